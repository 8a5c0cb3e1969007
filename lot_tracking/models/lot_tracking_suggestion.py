import math
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

MAX_MARKDOWN = 50


class LotTrackingSuggestion(models.Model):
    """What to do with a lot that will not sell out before it expires."""

    _name = "lot.tracking.suggestion"
    _description = "Slow-Moving Lot Suggestion"
    _order = "expiration_date, id"

    lot_id = fields.Many2one(
        "stock.lot", required=True, readonly=True, index=True, ondelete="cascade"
    )
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    location_id = fields.Many2one("stock.location", required=True, readonly=True)
    suggestion_type = fields.Selection(
        [("markdown", "Markdown"), ("transfer", "Transfer"), ("return", "Return to Supplier")],
        "Suggestion",
        required=True,
        readonly=True,
    )
    markdown_percent = fields.Float("Suggested Markdown (%)", readonly=True)
    dest_location_id = fields.Many2one("stock.location", "Transfer To", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    daily_sales = fields.Float("Sales per Day", readonly=True, digits=(16, 2))
    expiration_date = fields.Datetime(readonly=True)
    projected_sellout_date = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("new", "To Decide"), ("applied", "Applied"), ("dismissed", "Dismissed")],
        default="new",
        required=True,
        readonly=True,
    )
    picking_id = fields.Many2one("stock.picking", readonly=True)
    reason = fields.Char(readonly=True, help="Why this lot was suggested.")

    # ------------------------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_lot_tracking_suggestions(self):
        self = self.sudo()  # system work over every company, as the scheduler does
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all  # every company, by design
        for done, company in enumerate(companies, start=1):
            self._lot_tracking_suggest(company)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)

    @api.model
    def _lot_tracking_suggest(self, company):
        now = fields.Datetime.now()
        velocity = self.env["stock.move.line"]._lot_tracking_velocity(company, now)
        groups = self.env["stock.quant"]._read_group(
            [
                ("company_id", "=", company.id),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
                ("lot_id.expiration_date", "!=", False),
                ("lot_id.quality_state", "=", "released"),
            ],
            ["product_id", "location_id", "lot_id"],
            ["quantity:sum"],
        )
        open_lots = set(
            self.search([("company_id", "=", company.id), ("state", "=", "new")]).lot_id.ids
        )
        fastest = {}
        for (product, location), rate in velocity.items():
            if rate > fastest.get(product, (None, 0))[1]:
                fastest[product] = (location, rate)
        stock = defaultdict(list)
        for product, location, lot, qty in groups:
            stock[product, location].append((lot, qty))
        # A lot younger than the observation window has no pace yet: unknown, not zero.
        observed_since = now - timedelta(days=company.lot_tracking_observation_days)
        vals_list = []
        for (product, location), lots in stock.items():
            rate = velocity.get((product, location), 0.0)
            cumulative = 0.0
            for lot, qty in sorted(lots, key=lambda item: (item[0].expiration_date, item[0].id)):
                cumulative += qty
                cutoff = lot.removal_date or lot.expiration_date
                sellout = now + timedelta(days=cumulative / rate) if rate else None
                if (
                    lot.id in open_lots
                    or cutoff <= now
                    or (sellout and sellout <= cutoff)
                    or (lot.receipt_date or lot.create_date) > observed_since
                ):
                    continue
                vals = {
                    "lot_id": lot.id,
                    "company_id": company.id,
                    "location_id": location.id,
                    "quantity": qty,
                    "daily_sales": rate,
                    "expiration_date": lot.expiration_date,
                    "projected_sellout_date": sellout,
                }
                vals.update(
                    self._lot_tracking_pick_action(lot, qty, location, rate, fastest, now, cutoff)
                )
                vals_list.append(vals)
        return self.create(vals_list)

    @api.model
    def _lot_tracking_pick_action(self, lot, qty, location, rate, fastest, now, cutoff):
        days_left = max((cutoff - now).total_seconds() / 86400, 1)
        best_location, best_rate = fastest.get(lot.product_id, (None, 0.0))
        uom = lot.product_id.uom_id.name
        cutoff_text = format_date(self.env, cutoff)
        if rate:
            pace = self.env._(
                "Sells %(rate)s %(uom)s a day at %(location)s: this lot would last %(days)s days, "
                "but must be sold by %(cutoff)s.",
                rate=round(rate, 2),
                uom=uom,
                location=location.display_name,
                days=math.ceil(qty / rate),
                cutoff=cutoff_text,
            )
        else:
            pace = self.env._(
                "No sale at %(location)s in the last %(days)s days; must be sold by %(cutoff)s.",
                location=location.display_name,
                days=lot.company_id.lot_tracking_velocity_days or 30,
                cutoff=cutoff_text,
            )
        if best_location and best_location != location and qty / best_rate <= days_left:
            reason = self.env._(
                "%(pace)s %(best)s sells %(rate)s %(uom)s a day: it sells out there in time.",
                pace=pace,
                best=best_location.display_name,
                rate=round(best_rate, 2),
                uom=uom,
            )
            return {
                "suggestion_type": "transfer",
                "dest_location_id": best_location.id,
                "reason": reason,
            }
        if not rate and lot.supplier_id:
            return {"suggestion_type": "return", "reason": pace}
        # Sell faster by the factor that brings the sell-out date back before the cut-off.
        needed = 1 - rate * days_left / qty if rate else 1
        percent = min(MAX_MARKDOWN, max(10, 5 * math.ceil(needed * 100 / 5)))
        return {"suggestion_type": "markdown", "markdown_percent": percent, "reason": pace}

    # ------------------------------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------------------------------
    def _check_decidable(self):
        self.env["stock.lot"]._lot_tracking_check_manager(
            self.env._("Only Lot Tracking managers can decide on suggestions.")
        )
        if self.filtered(lambda s: s.state != "new"):
            raise UserError(self.env._("This suggestion has already been decided."))

    def action_dismiss(self):
        self._check_decidable()
        self.write({"state": "dismissed"})
        return True

    def action_apply(self):
        """Apply; open what was created (the transfer or return), or the marked-down lot."""
        self._check_decidable()
        for suggestion in self:
            lot = suggestion.lot_id
            if suggestion.suggestion_type == "markdown":
                lot.markdown_percent = suggestion.markdown_percent  # tracked in the lot's chatter
            else:
                suggestion.picking_id = suggestion._lot_tracking_create_picking()
        self.write({"state": "applied"})
        if len(self) != 1:
            return True
        record = self.picking_id or self.lot_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }

    def _lot_tracking_create_picking(self):
        """The internal transfer, or the return to the supplier, of the lot's quantity."""
        self.ensure_one()
        warehouse = self.location_id.warehouse_id
        if self.suggestion_type == "transfer":
            picking_type, dest, partner = warehouse.int_type_id, self.dest_location_id, False
        else:
            picking_type = warehouse.out_type_id
            dest = self.env.ref("stock.stock_location_suppliers")
            partner = self.lot_id.supplier_id
        if not picking_type:
            raise UserError(
                self.env._(
                    "%(location)s belongs to no warehouse.", location=self.location_id.display_name
                )
            )
        product = self.lot_id.product_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner and partner.id,
                "location_id": self.location_id.id,
                "location_dest_id": dest.id,
                "origin": self.lot_id.name,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.display_name,
                            "product_id": product.id,
                            "product_uom_qty": self.quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": self.location_id.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking._message_log(body=self.reason)
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {**move._prepare_move_line_vals(quantity=self.quantity), "lot_id": self.lot_id.id}
        )
        return picking
