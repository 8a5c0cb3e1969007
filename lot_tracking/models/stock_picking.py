import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import gs1


class StockPicking(models.Model):
    _inherit = "stock.picking"

    lot_tracking_barcode = fields.Char(
        "Scan GS1 Label",
        compute="_compute_lot_tracking_barcode",
        inverse="_inverse_lot_tracking_barcode",
        help="Scan the supplier's GS1 label: the lot is found or created and added to the receipt.",
    )

    def _compute_lot_tracking_barcode(self):
        self.lot_tracking_barcode = False

    def _inverse_lot_tracking_barcode(self):
        for picking in self.filtered("lot_tracking_barcode"):
            picking.lot_tracking_scan(picking.lot_tracking_barcode)
        # the form reads the field back: empty, ready for the next scan
        self.invalidate_recordset(["lot_tracking_barcode"])

    def action_lot_tracking_scan(self):
        """The scan button: the form saved the barcode (inverse) before calling this."""
        return True

    # ------------------------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------------------------
    def button_validate(self):
        self._lot_tracking_assign_lot_names()
        return super().button_validate()

    def _action_done(self):
        receipts = self.filtered(lambda p: p.picking_type_code == "incoming")
        receipts._lot_tracking_assign_lot_names()
        receipts._lot_tracking_check_expired()
        res = super()._action_done()
        receipts._lot_tracking_after_receipt()
        return res

    def _lot_tracking_assign_lot_names(self):
        """Give one new lot name per receipt move whose lot-tracked lines have none.

        Only where the operation type creates lots: elsewhere core expects an existing lot
        chosen by the user, or (neither option) no lot at all.
        """
        lines = self.filtered(lambda p: p.picking_type_code == "incoming").move_line_ids.filtered(
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
        today = fields.Date.context_today(self)
        for line in self.move_line_ids:
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

    def _lot_tracking_after_receipt(self):
        """Complete the lot twins, log `received` events, quarantine short-dated lots."""
        now = fields.Datetime.now()
        for picking in self:
            lines = picking.move_line_ids.filtered(lambda ml: ml.lot_id and ml.quantity)
            if not lines:
                continue
            quantities = defaultdict(float)
            for line in lines:
                quantities[line.lot_id.id] += line.quantity_product_uom
            lots = lines.lot_id
            lots.filtered(lambda lot: not lot.receipt_picking_id).write(
                {
                    "receipt_picking_id": picking.id,
                    "receipt_date": picking.date_done or now,
                }
            )
            lots.filtered(lambda lot: not lot.supplier_id).write(
                {"supplier_id": picking.partner_id.commercial_partner_id.id}
            )
            lots._lot_tracking_log("received", quantities=quantities, picking_id=picking.id)
            short = lots.filtered(lambda lot: lot._lot_tracking_short_shelf_life(now))
            short._lot_tracking_set_quality_state(
                "quarantine",
                note=self.env._("Received with less than the minimum shelf life."),
                picking_id=picking.id,
            )
            held = lots.filtered(lambda lot: lot.quality_state != "released")
            if held:
                picking.message_post(
                    body=self.env._(
                        "Received lots that are not released and cannot be sold: %(lots)s",
                        lots=", ".join(f"{lot.name} ({lot.sale_block_reason})" for lot in held),
                    )
                )

    # ------------------------------------------------------------------------------------
    # GS1 scan
    # ------------------------------------------------------------------------------------
    def lot_tracking_scan(self, barcode):
        """Add what a supplier's GS1 label describes to this receipt.

        The product is found by GTIN among the receipt's products, the lot by the supplier's
        lot code (or created), and the quantity is added to the matching move line. Anything
        wrong raises a UserError before anything is written.
        """
        self.ensure_one()
        _ = self.env._
        if self.picking_type_code != "incoming" or self.state in ("done", "cancel"):
            raise UserError(_("Labels can only be scanned on a receipt that is not done."))
        try:
            data = gs1.parse(barcode)
        except gs1.GS1Error as error:
            raise UserError(_("Unreadable GS1 label: %(error)s", error=error)) from error
        move = self._lot_tracking_scan_move(data)
        product = move.product_id
        self._lot_tracking_scan_check_unique(data, product)
        quantity = self._lot_tracking_scan_quantity(data, move)
        lot = self._lot_tracking_scan_lot(data, move)
        line = move.move_line_ids.filtered(lambda ml: ml.lot_id == lot)[:1]
        if line:
            line.write({"quantity": line.quantity + quantity, "picked": True})
        else:
            line = move.move_line_ids.filtered(
                lambda ml: not ml.lot_id and not ml.lot_name and not ml.picked
            )[:1]
            vals = {"lot_id": lot.id, "quantity": quantity, "picked": True}
            if line:
                line.write(vals)
            else:
                line = self.env["stock.move.line"].create(
                    {
                        **move._prepare_move_line_vals(),
                        **vals,
                    }
                )
        lot._lot_tracking_log(
            "scanned",
            note=barcode,
            quantities={lot.id: quantity},
            picking_id=self.id,
            gs1_serial=data.get("21"),
            sscc=data.get("00"),
        )
        return {"lot_id": lot.id, "move_line_id": line.id, "quantity": quantity}

    def _lot_tracking_scan_move(self, data):
        _ = self.env._
        if "01" not in data:
            raise UserError(_("The label has no GTIN (AI 01): scan the label of the trade item."))
        gtin = data["01"]
        moves = self.move_ids.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and gs1.is_valid_gtin(m.product_id.barcode or "")
                and gs1.normalize_gtin(m.product_id.barcode) == gtin
            )
        )
        if not moves:
            raise UserError(
                _(
                    "No product of receipt %(receipt)s has GTIN %(gtin)s. Check that the label "
                    "belongs to this delivery and that the product's barcode is its GTIN.",
                    receipt=self.name,
                    gtin=gtin,
                )
            )
        move = moves[0]
        if move.product_id.tracking != "lot":
            raise UserError(
                _("%(product)s is not tracked by lot.", product=move.product_id.display_name)
            )
        return move

    def _lot_tracking_scan_check_unique(self, data, product):
        _ = self.env._
        Event = self.env["lot.tracking.event"].sudo()
        if data.get("00") and Event.search_count(
            [("sscc", "=", data["00"]), ("company_id", "in", (self.company_id.id, False))],
            limit=1,
        ):
            raise UserError(_("Pallet SSCC %(sscc)s has already been received.", sscc=data["00"]))
        if data.get("21") and Event.search_count(
            [("gs1_serial", "=", data["21"]), ("product_id", "=", product.id)], limit=1
        ):
            raise UserError(
                _(
                    "Serial %(serial)s of %(product)s has already been scanned.",
                    serial=data["21"],
                    product=product.display_name,
                )
            )

    def _lot_tracking_scan_quantity(self, data, move):
        product = move.product_id
        if "310" in data:
            kg = self.env.ref("uom.product_uom_kgm")
            if product.uom_id.category_id != kg.category_id:
                raise UserError(
                    self.env._(
                        "The label gives a net weight but %(product)s is counted in %(uom)s.",
                        product=product.display_name,
                        uom=product.uom_id.name,
                    )
                )
            quantity = kg._compute_quantity(float(data["310"]), product.uom_id)
        else:
            quantity = data.get("30") or data.get("37") or 1
        if quantity <= 0:
            raise UserError(self.env._("The label's quantity must be positive."))
        return product.uom_id._compute_quantity(quantity, move.product_uom)

    def _lot_tracking_scan_lot(self, data, move):
        _ = self.env._
        product = move.product_id
        if not data.get("10"):
            raise UserError(
                _("The label has no lot number (AI 10): enter the lot by hand on the receipt.")
            )
        expiry = data.get("17")
        expiry_dt = expiry and datetime.datetime.combine(expiry, datetime.time(23, 59, 59))
        if expiry_dt and expiry_dt <= fields.Datetime.now():
            raise UserError(
                _(
                    "Lot %(code)s of %(product)s expired on %(date)s: refuse these goods.",
                    code=data["10"],
                    product=product.display_name,
                    date=expiry,
                )
            )
        production = data.get("11")
        if production and expiry and production > expiry:
            raise UserError(_("The label's production date is after its expiration date."))
        supplier = self.partner_id.commercial_partner_id
        lot = self.env["stock.lot"].search(
            [
                ("product_id", "=", product.id),
                ("supplier_id", "=", supplier.id),
                ("supplier_lot_code", "=", data["10"]),
                ("company_id", "in", (self.company_id.id, False)),
            ],
            limit=1,
        )
        if lot:
            if expiry and lot.expiration_date and lot.expiration_date.date() != expiry:
                raise UserError(
                    _(
                        "Lot %(code)s of %(product)s is recorded with expiry %(known)s but this "
                        "label says %(label)s. Check the label with the supplier.",
                        code=data["10"],
                        product=product.display_name,
                        known=lot.expiration_date.date(),
                        label=expiry,
                    )
                )
            return lot
        sequence = product.categ_id.lot_sequence_id or self.env.ref("lot_tracking.ir_sequence_lot")
        vals = {
            "name": sequence.sudo()._lot_tracking_next_batch(1)[0],
            "product_id": product.id,
            "company_id": self.company_id.id,
            "supplier_id": supplier.id,
            "supplier_lot_code": data["10"],
            "production_date": production,
            "receipt_picking_id": self.id,
            "receipt_date": fields.Datetime.now(),
            "standard_price": move._lot_tracking_unit_cost(),
        }
        if expiry_dt:
            vals["expiration_date"] = expiry_dt
        lot = self.env["stock.lot"].create(vals)
        if lot._lot_tracking_short_shelf_life(fields.Datetime.now()):
            lot._lot_tracking_set_quality_state(
                "quarantine",
                note=_("Received with less than the minimum shelf life."),
                picking_id=self.id,
            )
        return lot

    # ------------------------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_tracking_demo_receive(self, order_id):
        """Receive the demo purchase by scanning GS1 labels, then show every quality state."""
        order = self.env["purchase.order"].browse(order_id)
        receipt = order.picking_ids[:1]
        today = fields.Date.context_today(self)
        labels = []  # (product, supplier lot code, days to expiry, count)
        for line in order.order_line:
            product, qty = line.product_id, int(line.product_qty)
            days = product.expiration_time
            labels += [(product, "FF-A", days, qty // 2), (product, "FF-B", days - 7, qty // 4)]
            labels.append((product, "FF-C", product.receipt_min_shelf_life_days - 1, qty // 4))
        for product, code, days, count in labels:
            barcode = gs1.build(
                {
                    "01": gs1.normalize_gtin(product.barcode),
                    "10": code,
                    "17": today + datetime.timedelta(days=days),
                    "37": count,
                }
            )
            receipt.lot_tracking_scan(barcode)
        receipt.move_ids.picked = True
        receipt.with_context(skip_backorder=True).button_validate()
        lots = receipt.move_line_ids.lot_id
        lots.filtered(lambda lot: lot.supplier_lot_code == "FF-B")[
            :1
        ]._lot_tracking_set_quality_state(
            "blocked", note=self.env._("Demo: temperature log missing from the delivery.")
        )
        lots.filtered(lambda lot: lot.supplier_lot_code == "FF-B")[
            1:2
        ]._lot_tracking_set_quality_state(
            "recalled", note=self.env._("Demo: supplier recall notice.")
        )
