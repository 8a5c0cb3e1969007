from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    # the lot analysis and trace read a lot's move lines
    lot_id = fields.Many2one(index="btree_not_null")

    def _prepare_new_lot_vals(self):
        vals = super()._prepare_new_lot_vals()
        picking = self.picking_id
        # Only a supplier's goods make a supplier: never a customer bringing a lot back.
        if picking._lot_tracking_is_supplier_receipt():
            vals.update(
                self.env["stock.lot"]._prepare_lot_tracking_receipt_vals(picking, self.move_id)
            )
        return vals

    def _lot_tracking_to_customer(self):
        """Does this line take its lot to a customer (directly or as a step of a delivery)?"""
        self.ensure_one()
        return self.location_dest_id.usage == "customer" or self.move_id._lot_tracking_to_customer()

    @api.model
    def _lot_tracking_move_kinds(self):
        """What a done line can have done with its goods, by key, with its label."""
        return {
            "receipt": self.env._("Receipt"),
            "vendor_return": self.env._("Return to Vendor"),
            "internal": self.env._("Internal Transfer"),
            "delivery": self.env._("Delivery"),
            "customer_return": self.env._("Customer Return"),
            "pos_sale": self.env._("POS Sale"),
            "pos_refund": self.env._("POS Refund"),
            "scrap": self.env._("Scrap"),
            "inventory": self.env._("Inventory Adjustment"),
            "production": self.env._("Production"),
            "other": self.env._("Other"),
        }

    def _lot_tracking_move_kind(self):
        """What this done line did with the goods, from its locations (a key of
        ``_lot_tracking_move_kinds``)."""
        self.ensure_one()
        source, dest = self.location_id, self.location_dest_id
        is_pos = bool(self.picking_id.pos_order_id or self.picking_id.pos_session_id)
        if dest.scrap_location:
            return "scrap"
        if source.usage == "supplier":
            return "receipt"
        if dest.usage == "supplier":
            return "vendor_return"
        if dest.usage == "customer":
            return "pos_sale" if is_pos else "delivery"
        if source.usage == "customer":
            return "pos_refund" if is_pos else "customer_return"
        if "inventory" in (source.usage, dest.usage):
            return "inventory"
        if "production" in (source.usage, dest.usage):
            return "production"
        if {source.usage, dest.usage} <= {"internal", "transit"}:
            return "internal"
        return "other"

    @api.constrains("lot_id", "location_dest_id")
    def _check_lot_tracking_quality_state(self):
        for line in self:
            lot = line.lot_id
            if (
                lot
                and lot.quality_state != "released"
                and line._lot_tracking_to_customer()
                # POS sales are never refused: the sync records a violation instead.
                and not line.picking_id._lot_tracking_is_pos()
            ):
                raise ValidationError(
                    self.env._(
                        "Lot %(lot)s of %(product)s cannot be delivered to a customer: %(reason)s. "
                        "Choose a released lot.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                        reason=lot.sale_block_reason,
                    )
                )

    @api.model
    def _lot_tracking_search_to_customers(self, lots):
        """Lines not done that take ``lots`` toward customers, in one search."""
        # A system consequence of a state change: every reservation of the lot goes,
        # whatever pickings the user changing the state may read.
        return self.sudo().search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "not in", ("done", "cancel")),
                "|",
                "|",
                ("location_dest_id.usage", "=", "customer"),
                ("move_id.location_dest_id.usage", "=", "customer"),
                ("move_id.location_final_id.usage", "=", "customer"),
            ]
        )

    def _lot_tracking_unreserve(self):
        """Take these lines (of lots that may no longer be sold) off their transfers.

        They are removed (unlinking frees the quants' reservation, as core's
        `_free_reservation` does) and their moves assigned again by the removal strategy,
        from released lots only. A chained step (pack, ship) is not assigned again: it could
        only take what its previous step brought. A picked line and a chained step leave
        goods on their way: an activity asks to put them back. POS pickings keep their lot
        (a sale is never undone) and a manager gets an activity. Each picking says so in
        its chatter.
        """
        lines = self
        pos_lines = lines.filtered(lambda ml: ml.picking_id._lot_tracking_is_pos())
        lines -= pos_lines
        chained = lines.filtered(lambda ml: ml.move_id.move_orig_ids)
        to_put_back = chained | lines.filtered("picked")
        notes = self._lot_tracking_unreserve_notes(lines, chained, to_put_back, pos_lines)
        to_assign = lines.move_id - chained.move_id
        # Un-pick first: a move stays picked (and is not assigned again) while a line is.
        lines.filtered("picked").picked = False
        lines.unlink()
        to_assign._action_assign()
        lines.env["stock.picking"]._lot_tracking_notify_unreserved(notes)

    def _lot_tracking_unreserve_notes(self, lines, chained, to_put_back, pos_lines):
        """{picking: [(kind, text, lot), …]} describing what unreserving ``lines`` does, written
        before the lines go. Kinds: ``message`` (chatter), ``put_back`` and ``manager``
        (activities)."""
        notes = defaultdict(list)

        def describe(line):
            return self.env._(
                "%(qty)s %(uom)s of %(product)s, lot %(lot)s (%(reason)s), at %(location)s",
                qty=line.quantity,
                uom=line.product_uom_id.name,
                product=line.product_id.display_name,
                lot=line.lot_id.name,
                reason=line.lot_id.sale_block_reason,
                location=line.location_id.display_name,
            )

        for line in lines:
            if line in chained:
                text = self.env._(
                    "Taken off this transfer and not reserved again (this step takes only "
                    "what the previous step brought): %(line)s.",
                    line=describe(line),
                )
            else:
                text = self.env._(
                    "Taken off this transfer, reserved again from released lots where stock "
                    "allows: %(line)s.",
                    line=describe(line),
                )
            notes[line.picking_id].append(("message", text, line.lot_id))
            if line in to_put_back:
                text = self.env._(
                    "Put back, away from customer orders: %(line)s.", line=describe(line)
                )
                notes[line.picking_id].append(("put_back", text, line.lot_id))
        for line in pos_lines:
            text = self.env._(
                "Sold at the Point of Sale and kept on this transfer (a sale is never undone); "
                "ship it anyway (recorded as a violation) or exchange the lot: %(line)s.",
                line=describe(line),
            )
            notes[line.picking_id] += [
                ("message", text, line.lot_id),
                ("manager", text, line.lot_id),
            ]
        return notes

    def _lot_tracking_log_pos_violations(self):
        """A ``violation`` per lot and POS order these lines ship though it may not be sold
        (a ship-later sale whose lot was held meanwhile), unless the sale recorded one."""
        orders = self.picking_id.pos_order_id
        logged = {
            (event.lot_id, event.pos_order_id)
            for event in self.env["lot.tracking.event"]
            .sudo()
            .search(
                [
                    ("event_type", "=", "violation"),
                    ("lot_id", "in", self.lot_id.ids),
                    ("pos_order_id", "in", orders.ids),
                ]
            )
        }
        quantities = defaultdict(float)
        for line in self.filtered(lambda ml: ml.picking_id.pos_order_id):
            key = (line.lot_id, line.picking_id.pos_order_id)
            if key not in logged:
                quantities[key] += line.quantity_product_uom
        self.env["lot.tracking.event"].sudo().create(
            [
                {
                    "lot_id": lot.id,
                    "event_type": "violation",
                    "pos_order_id": order.id,
                    "quantity": quantity,
                    "user_id": self.env.uid,
                    "note": self.env._(
                        "Shipped for %(order)s although it may not be sold: %(reason)s",
                        order=order.name,
                        reason=lot.sale_block_reason,
                    ),
                }
                for (lot, order), quantity in quantities.items()
            ]
        )

    # ------------------------------------------------------------------------------------
    # Sales velocity: the one definition shared by the slow-mover suggestions and the
    # restock forecast.
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_tracking_velocity_query(self, now, company_ids=None):
        """SQL of the sales pace: one row per company, product and internal source location
        with ``daily_sales`` = units delivered to customers over the company's sales velocity
        window (done move lines, deliveries and Point of Sale alike), per day of the window."""
        company_filter = (
            SQL("AND sml.company_id IN %s", tuple(company_ids)) if company_ids else SQL()
        )
        return SQL(
            """
            SELECT sml.company_id,
                   sml.product_id,
                   sml.location_id,
                   SUM(sml.quantity_product_uom)
                       / GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1) AS daily_sales
              FROM stock_move_line sml
              JOIN res_company company ON company.id = sml.company_id
              JOIN stock_location src ON src.id = sml.location_id AND src.usage = 'internal'
              JOIN stock_location dest ON dest.id = sml.location_dest_id AND dest.usage = 'customer'
             WHERE sml.state = 'done'
               AND sml.date >= %(now)s::timestamp - make_interval(
                   days => GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1))
               %(company_filter)s
          GROUP BY sml.company_id, sml.product_id, sml.location_id, company.id
            """,
            now=now,
            company_filter=company_filter,
        )

    @api.model
    def _lot_tracking_velocity(self, companies, now):
        """``{(product, location): units sold per day}`` over each company's sales window."""
        self.env.flush_all()
        self.env.cr.execute(self._lot_tracking_velocity_query(now, companies.ids))
        rows = self.env.cr.fetchall()
        products = {p.id: p for p in self.env["product.product"].browse({r[1] for r in rows})}
        locations = {loc.id: loc for loc in self.env["stock.location"].browse({r[2] for r in rows})}
        return {
            (products[product_id], locations[location_id]): daily_sales
            for __, product_id, location_id, daily_sales in rows
        }
