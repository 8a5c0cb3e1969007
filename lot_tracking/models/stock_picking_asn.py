import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date

from ..tools import gs1


# Advance shipping notices on receipts, kept apart from the scan itself (stock_picking.py):
# the scan finds the lots a notice prepared like any known lot; this only compares.
class StockPicking(models.Model):
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    lot_tracking_asn_line_ids = fields.One2many(
        "lot.tracking.asn.line", "picking_id", "Shipping Notice"
    )
    lot_tracking_asn_difference = fields.Text(
        "Differences from the Shipping Notice", compute="_compute_lot_tracking_asn_difference"
    )

    @api.depends("lot_tracking_asn_line_ids.difference")
    def _compute_lot_tracking_asn_difference(self):
        for picking in self:
            texts = picking.lot_tracking_asn_line_ids.filtered("difference").mapped("difference")
            picking.lot_tracking_asn_difference = "\n".join(texts) or False

    def lot_tracking_scan(self, barcode):
        """A scan on a receipt with a shipping notice confirms the announced lot. A label
        whose expiry differs from the notice's, or a lot the notice did not announce, is
        received and flagged on the receipt."""
        self.ensure_one()
        # The notice's lines are searched, never read through the receipt: a scan costs the
        # same whatever the size of the notice.
        if not self.env["lot.tracking.asn.line"].search_count(
            [("picking_id", "=", self.id)], limit=1
        ):
            return super().lot_tracking_scan(barcode)
        announced = self._lot_tracking_asn_label_expiry(barcode)
        result = super().lot_tracking_scan(barcode)
        self._lot_tracking_asn_flag(self.env["stock.lot"].browse(result["lot_id"]), announced)
        return result

    def _lot_tracking_asn_label_expiry(self, barcode):
        """Before the scan: when the label's expiry is not the one announced for a lot that
        has not arrived yet, the lot takes the label's (the goods carry it). Returns the
        notice line whose expiry differs, if any."""
        Line = self.env["lot.tracking.asn.line"]
        try:
            data = gs1.parse(barcode)
        except gs1.GS1Error:
            return Line  # the scan says what is wrong
        if not data.get("17") or not data.get("10") or "01" not in data:
            return Line
        line = Line.search(
            [
                ("picking_id", "=", self.id),
                ("lot_id.supplier_lot_code", "=", data["10"]),
                ("product_id.barcode", "in", gs1.gtin_forms(data["01"])),
            ],
            limit=1,
        )
        lot = line.lot_id
        if not lot or not lot.expiration_date or lot.expiration_date.date() == data["17"]:
            return Line
        arrived = lot.receipt_picking_id or self.env["stock.move.line"].search_count(
            [("picking_id", "=", self.id), ("lot_id", "=", lot.id), ("picked", "=", True)],
            limit=1,
        )
        if arrived:
            return Line  # the lot's expiry is known from goods: the scan refuses the label
        label_expiry = datetime.datetime.combine(data["17"], datetime.time(23, 59, 59))
        lot.expiration_date = label_expiry
        line.label_expiration_date = label_expiry
        return line

    def _lot_tracking_asn_flag(self, lot, other_expiry):
        """After the scan: record and post a lot the notice did not announce, or a label
        whose expiry is not the announced one."""
        Line = self.env["lot.tracking.asn.line"]
        line = Line.search([("picking_id", "=", self.id), ("lot_id", "=", lot.id)], limit=1)
        code = lot.supplier_lot_code or lot.name
        if not line:
            Line.create(
                {
                    "picking_id": self.id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "announced": False,
                    "quantity": 0.0,
                }
            )
            self._message_log(
                body=self.env._(
                    "Lot %(code)s of %(product)s was scanned but the shipping notice does not "
                    "announce it.",
                    code=code,
                    product=lot.product_id.display_name,
                )
            )
        elif other_expiry:
            self._message_log(
                body=self.env._(
                    "Lot %(code)s of %(product)s: the label says expiry %(label)s, the "
                    "shipping notice said %(announced)s. The lot takes the label's date.",
                    code=code,
                    product=lot.product_id.display_name,
                    label=format_date(self.env, other_expiry.label_expiration_date),
                    announced=format_date(self.env, other_expiry.expiration_date),
                )
            )

    def _action_done(self):
        res = super()._action_done()
        self.filtered("lot_tracking_asn_line_ids")._lot_tracking_asn_post_differences()
        return res

    def _lot_tracking_asn_post_differences(self):
        """Once received: what arrived short of, or over, the shipping notice."""
        self.lot_tracking_asn_line_ids.invalidate_recordset(["state", "difference"])
        for picking in self:
            lines = picking.lot_tracking_asn_line_ids.filtered(
                lambda ln: ln.state in ("short", "over")
            )
            if not lines:
                continue
            picking._message_log(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._("Received quantities differ from the shipping notice:"),
                    Markup().join(Markup("<li>%s</li>") % line.difference for line in lines),
                )
            )
