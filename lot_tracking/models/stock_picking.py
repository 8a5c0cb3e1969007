from collections import defaultdict

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..tools import gs1

# unique indexes of lot.tracking.event that a scan can run into
SCAN_UNIQUE_INDEXES = {
    "lot_tracking_event_sscc_uniq": "sscc",
    "lot_tracking_event_gs1_serial_uniq": "serial",
}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # The three below take one picking or none (a move line's empty picking).
    def _lot_tracking_is_supplier_receipt(self):
        """Goods coming in from a supplier (not a customer return, not a transit)."""
        return self.picking_type_code == "incoming" and self.location_id.usage == "supplier"

    def _lot_tracking_is_customer_return(self):
        return self.location_id.usage == "customer"

    def _lot_tracking_is_pos(self):
        """A Point of Sale picking (sale, ship-later sale or session's): never refused."""
        return bool(self.pos_order_id or self.pos_session_id)

    # ------------------------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------------------------
    def button_validate(self):
        self._lot_tracking_assign_lot_names()
        return super().button_validate()

    def _pre_action_done_hook(self):
        # Before product_expiry's "confirm expired lots?": a supplier's expired goods are
        # refused, not confirmed. A customer return only gets product_expiry's question.
        self._lot_tracking_check_expired()
        res = super()._pre_action_done_hook()
        # After core has marked an immediate transfer picked (the lines that will be done),
        # and whatever wizard it asks for: a held lot is refused before any question.
        self.move_ids._lot_tracking_check_held_lots()
        return res

    def _action_done(self):
        self._lot_tracking_assign_lot_names()
        incoming = self.filtered(lambda p: p.picking_type_code == "incoming")
        returns = self.filtered(lambda p: p._lot_tracking_is_customer_return())
        res = super()._action_done()
        (incoming - returns)._lot_tracking_after_receipt()
        returns._lot_tracking_after_return()
        return res

    def _lot_tracking_assign_lot_names(self):
        """Give one new lot name per supplier receipt move whose lot-tracked lines have none.

        Only goods from suppliers get new lots (a return's lot is the one that left), and only
        where the operation type creates lots: elsewhere core expects a lot chosen by the user,
        or no lot at all."""
        lines = self.filtered(
            lambda p: p._lot_tracking_is_supplier_receipt()
        ).move_line_ids.filtered(
            lambda ml: (
                ml.product_id.tracking == "lot"
                and ml.picking_type_id.use_create_lots
                and not ml.lot_id
                and not ml.lot_name
                and ml.quantity
            )
        )
        if not lines:
            return
        default_sequence = self.env.ref("lot_tracking.ir_sequence_lot")
        moves_by_sequence = defaultdict(lambda: self.env["stock.move"])
        for move in lines.move_id:
            moves_by_sequence[move.product_id.categ_id.lot_sequence_id or default_sequence] |= move
        for sequence, moves in moves_by_sequence.items():
            names = sequence.sudo()._lot_tracking_next_batch(len(moves))
            for move, name in zip(moves, names, strict=True):
                (lines & move.move_line_ids).lot_name = name

    def _lot_tracking_check_expired(self):
        """Refuse expired goods from suppliers, typed lot names included."""
        today = fields.Date.context_today(self)
        receipts = self.filtered(lambda p: p._lot_tracking_is_supplier_receipt())
        for line in receipts.move_line_ids:
            expiry = line.lot_id.expiration_date or line.expiration_date
            if line.quantity and expiry and fields.Date.context_today(self, expiry) < today:
                raise UserError(
                    self.env._(
                        "%(product)s, lot %(lot)s expired on %(date)s: refuse these goods or "
                        "correct the expiration date.",
                        product=line.product_id.display_name,
                        lot=line.lot_id.name or line.lot_name,
                        date=fields.Date.to_string(expiry),
                    )
                )

    def _lot_tracking_lot_quantities(self):
        """{lot id: quantity} of this done picking's lines with a lot, and those lots."""
        self.ensure_one()
        quantities = defaultdict(float)
        for line in self.move_line_ids:
            if line.lot_id and line.quantity:
                quantities[line.lot_id.id] += line.quantity_product_uom
        return quantities, self.env["stock.lot"].browse(quantities)

    def _lot_tracking_after_receipt(self):
        """Complete the lot twins, log `received` events, quarantine short-dated lots.

        A receipt never lowers a lot's state: only released lots go to quarantine."""
        now = fields.Datetime.now()
        for picking in self:
            quantities, lots = picking._lot_tracking_lot_quantities()
            if not lots:
                continue
            # lots keep their first receipt and their supplier
            vals = self.env["stock.lot"]._prepare_lot_tracking_receipt_vals(picking)
            lots.filtered(lambda lot: not lot.receipt_picking_id).write(
                {key: vals[key] for key in ("receipt_picking_id", "receipt_date")}
            )
            if "supplier_id" in vals:
                lots.filtered(lambda lot: not lot.supplier_id).write(
                    {"supplier_id": vals["supplier_id"]}
                )
            lots._lot_tracking_log("received", quantities=quantities, picking_id=picking.id)
            short = lots.filtered(
                lambda lot: (
                    lot.quality_state == "released" and lot._lot_tracking_short_shelf_life(now)
                )
            )
            short._lot_tracking_set_quality_state(
                "quarantine",
                note=self.env._("Received with less than the minimum shelf life."),
                picking_id=picking.id,
            )
            if held := lots.filtered(lambda lot: lot.quality_state != "released"):
                picking.message_post(
                    body=self.env._(
                        "Received lots that are not released and cannot be sold: %(lots)s",
                        lots=self._lot_tracking_lots_text(held),
                    )
                )

    def _lot_tracking_after_return(self):
        """Log `returned` events; lots keep their state (a recalled lot stays recalled)."""
        for picking in self:
            quantities, lots = picking._lot_tracking_lot_quantities()
            if not lots:
                continue
            lots._lot_tracking_log("returned", quantities=quantities, picking_id=picking.id)
            if unsellable := lots.filtered(lambda lot: not lot.is_sellable):
                picking.message_post(
                    body=self.env._(
                        "Returned lots that cannot be sold: %(lots)s",
                        lots=self._lot_tracking_lots_text(unsellable),
                    )
                )

    @api.model
    def _lot_tracking_lots_text(self, lots):
        return ", ".join(f"{lot.name} ({lot.sale_block_reason})" for lot in lots)

    def _lot_tracking_notify_unreserved(self, notes):
        """Post what taking held lots off transfers did, and schedule the activities it needs.

        ``notes``: {picking: [(kind, text, lot), …]} with kinds ``message``, ``put_back``
        (goods on their way to put back: the picking's responsible, else the current user) and
        ``manager`` (a POS sale to decide on: a Lot Tracking manager)."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("stock.picking")
        today = fields.Date.context_today(self)
        activities = []
        for picking, entries in notes.items():
            if not picking:
                continue
            by_kind = defaultdict(list)
            for kind, text, lot in entries:
                by_kind[kind].append((text, lot))
            picking.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._("Lots that may no longer go to a customer:"),
                    Markup().join(Markup("<li>%s</li>") % text for text, __ in by_kind["message"]),
                )
            )
            if by_kind["put_back"]:
                activities.append(
                    {
                        "res_id": picking.id,
                        "user_id": (picking.user_id or self.env.user).id,
                        "summary": self.env._("Put back goods that may not be delivered"),
                        "note": "\n".join(text for text, __ in by_kind["put_back"]),
                    }
                )
            if by_kind["manager"]:
                lot = by_kind["manager"][0][1]
                activities.append(
                    {
                        "res_id": picking.id,
                        "user_id": self.env["pos.order"]._lot_tracking_manager(lot).id,
                        "summary": self.env._("Point of Sale sale of a lot that may not be sold"),
                        "note": "\n".join(text for text, __ in by_kind["manager"]),
                    }
                )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    **vals,
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "date_deadline": today,
                }
                for vals in activities
            ]
        )

    # ------------------------------------------------------------------------------------
    # GS1 scan
    # ------------------------------------------------------------------------------------
    def lot_tracking_scan(self, barcode):
        """Scan ``barcode`` on this receipt (see ``_lot_tracking_scan``): all or nothing.

        A pallet or unit scanned by another receipt at the same moment is refused by the
        database's unique indexes; that refusal becomes a clear error and undoes the scan.
        """
        try:
            with self.env.cr.savepoint():
                return self._lot_tracking_scan(barcode)
        except UniqueViolation as error:
            kind = SCAN_UNIQUE_INDEXES.get(error.diag.constraint_name)
            if not kind:
                raise
            data = gs1.parse(barcode)
            raise self._lot_tracking_scan_duplicate_error(
                kind, data, self._lot_tracking_scan_move(data).product_id
            ) from None

    def _lot_tracking_scan(self, barcode):
        """Add what a supplier's GS1 label describes to this receipt.

        The product is found by GTIN among the receipt's products, the lot by the supplier's
        lot code (or created), and the quantity is added to the matching move line. Anything
        wrong raises a UserError before anything is written.
        """
        self.ensure_one()
        # A supplier's label names that supplier's lot: never scanned into a customer return.
        if not self._lot_tracking_is_supplier_receipt() or self.state in ("done", "cancel"):
            raise UserError(
                self.env._(
                    "Labels can only be scanned on a receipt from a supplier that is not done. "
                    "A customer return brings back the lots of its delivery."
                )
            )
        try:
            data = gs1.parse(barcode)
        except gs1.GS1Error as error:
            raise UserError(self.env._("Unreadable GS1 label: %(error)s", error=error)) from error
        move = self._lot_tracking_scan_move(data)
        product = move.product_id
        self._lot_tracking_scan_check_unique(data, product)
        quantity = move._lot_tracking_label_quantity(data)
        lot = self._lot_tracking_scan_lot(data, move)
        line = move.move_line_ids.filtered(lambda ml: ml.lot_id == lot)[:1]
        if line:
            line.write({"quantity": line.quantity + quantity, "picked": True})
        else:
            line = move.move_line_ids.filtered(
                lambda ml: not ml.lot_id and not ml.lot_name and not ml.picked
            )[:1]
            # lot_name too: receipts list lots by name (Detailed Operations)
            vals = {"lot_id": lot.id, "lot_name": lot.name, "quantity": quantity, "picked": True}
            if line:
                line.write(vals)
            else:
                line = self.env["stock.move.line"].create(
                    {**move._prepare_move_line_vals(), **vals}
                )
                line._apply_putaway_strategy()  # where core puts what it receives
        lot._lot_tracking_log(
            "scanned",
            note=gs1.hri(barcode),
            quantities={lot.id: quantity},
            picking_id=self.id,
            gs1_serial=data.get("21"),
            sscc=data.get("00"),
        )
        return {
            "lot_id": lot.id,
            "move_id": move.id,
            "move_line_id": line.id,
            "quantity": quantity,
            "quality_state": lot.quality_state,
            "message": self._lot_tracking_scan_message(lot, move, quantity),
        }

    def _lot_tracking_scan_message(self, lot, move, quantity):
        """What a scan did, in one line: product, lot, quantity, expiry, state."""
        states = dict(lot._fields["quality_state"]._description_selection(self.env))
        parts = [
            self.env._(
                "%(product)s: lot %(lot)s", product=lot.product_id.display_name, lot=lot.name
            )
            + (
                self.env._(" (supplier lot %(code)s)", code=lot.supplier_lot_code)
                if lot.supplier_lot_code
                else ""
            ),
            self.env._(
                "+%(qty)s %(uom)s",
                qty=formatLang(self.env, quantity, dp="Product Unit of Measure"),
                uom=move.product_uom.name,
            ),
        ]
        if lot.expiration_date:
            parts.append(
                self.env._("expires %(date)s", date=format_date(self.env, lot.expiration_date))
            )
        parts.append(lot.sale_block_reason or states[lot.quality_state])
        return ", ".join(parts)

    def _lot_tracking_scan_move(self, data):
        # a pallet's logistic label names its contents by AI 02 (with their count in AI 37)
        gtin = data.get("01") or data.get("02")
        if not gtin:
            raise UserError(
                self.env._("The label has no GTIN (AI 01 or 02): scan the label of the trade item.")
            )
        # one search: the cost of a scan does not grow with the receipt's lines
        moves = self.env["stock.move"].search(
            [
                ("picking_id", "=", self.id),
                ("state", "not in", ("done", "cancel")),
                ("product_id.barcode", "in", gs1.gtin_forms(gtin)),
            ]
        )
        # a product on several purchase lines: the first line not yet fully received
        move = (
            moves.filtered(
                lambda m: (
                    sum(m.move_line_ids.filtered("picked").mapped("quantity_product_uom"))
                    < m.product_qty
                )
            )[:1]
            or moves[:1]
        )
        if not move:
            raise UserError(
                self.env._(
                    "No product of receipt %(receipt)s has GTIN %(gtin)s. Check that the label "
                    "belongs to this delivery and that the product's barcode is its GTIN.",
                    receipt=self.name,
                    gtin=gtin,
                )
            )
        if move.product_id.tracking != "lot":
            raise UserError(
                self.env._(
                    "%(product)s is not tracked by lot.", product=move.product_id.display_name
                )
            )
        return move

    def _lot_tracking_scan_check_unique(self, data, product):
        """Refuse, before writing anything, what the unique indexes would refuse."""
        Event = self.env["lot.tracking.event"].sudo()
        scanned = [("event_type", "=", "scanned"), ("company_id", "=", self.company_id.id)]
        if data.get("00") and Event.search_count([*scanned, ("sscc", "=", data["00"])], limit=1):
            raise self._lot_tracking_scan_duplicate_error("sscc", data, product)
        if data.get("21") and Event.search_count(
            [*scanned, ("gs1_serial", "=", data["21"]), ("product_id", "=", product.id)], limit=1
        ):
            raise self._lot_tracking_scan_duplicate_error("serial", data, product)

    def _lot_tracking_scan_duplicate_error(self, kind, data, product):
        if kind == "sscc":
            return UserError(
                self.env._("Pallet SSCC %(sscc)s has already been received.", sscc=data["00"])
            )
        return UserError(
            self.env._(
                "Serial %(serial)s of %(product)s has already been scanned.",
                serial=data["21"],
                product=product.display_name,
            )
        )

    def _lot_tracking_scan_lot(self, data, move):
        if not data.get("10"):
            raise UserError(
                self.env._(
                    "The label has no lot number (AI 10): enter the lot by hand on the receipt."
                )
            )
        Lot = self.env["stock.lot"]
        return Lot._lot_tracking_find_or_create(
            move,
            data["10"],
            expiration_date=data.get("7003") or data.get("17"),
            production_date=data.get("11"),
            **Lot._lot_tracking_label_vals(data, move.product_id),
        )
