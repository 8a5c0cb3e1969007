import datetime

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.download import xlsx_download
from ..tools.xlsx import user_tz

# Critical tracking events of FSMA 204 (21 CFR 1.1340-1.1345) per movement kind. Sales to
# consumers (POS) are not "shipping" under the rule and are left out.
CTE_BY_KIND = {
    "receipt": "receiving",
    "customer_return": "receiving",
    "delivery": "shipping",
    "vendor_return": "shipping",
}


class LotTrackingFsmaWizard(models.TransientModel):
    _name = "lot.tracking.fsma.wizard"
    _description = "FDA FSMA 204 Traceability Export"

    date_from = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=1),
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        domain=[("tracking", "=", "lot")],
        help="Leave empty to export every lot-tracked product.",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        if any(wizard.date_from > wizard.date_to for wizard in self):
            raise ValidationError(self.env._("The start date must be on or before the end date."))

    def _utc_bounds(self):
        """The user's calendar days ``date_from``..``date_to`` as naive UTC datetimes."""
        tz = pytz.timezone(user_tz(self.env) or "UTC")

        def to_utc(day):
            local = tz.localize(datetime.datetime.combine(day, datetime.time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return to_utc(self.date_from), to_utc(self.date_to + datetime.timedelta(days=1))

    def _fsma_columns(self):
        return [
            (self.env._("Critical Tracking Event"), "text"),
            (self.env._("Event Date"), "datetime"),
            (self.env._("Traceability Lot Code"), "text"),
            (self.env._("Supplier Lot Code"), "text"),
            (self.env._("Product Description"), "text"),
            (self.env._("Product Code"), "text"),
            (self.env._("Quantity"), "number"),
            (self.env._("Unit of Measure"), "text"),
            (self.env._("Location"), "text"),
            (self.env._("Source Partner"), "text"),
            (self.env._("Source Location"), "text"),
            (self.env._("Destination Partner"), "text"),
            (self.env._("Destination Location"), "text"),
            (self.env._("Reference Document Type"), "text"),
            (self.env._("Reference Document Number"), "text"),
            (self.env._("Source Document"), "text"),
            (self.env._("Traceability Lot Code Source"), "text"),
        ]

    def _fsma_rows(self):
        """One row per receiving or shipping move line of a lot in the period, oldest first.

        One search; pickings, partners, locations and lots are read in batch (prefetch).
        """
        self.ensure_one()
        start, end = self._utc_bounds()
        external = ("supplier", "customer")
        domain = [
            ("state", "=", "done"),
            ("lot_id", "!=", False),
            ("date", ">=", start),
            ("date", "<", end),
            "|",
            ("location_id.usage", "in", external),
            ("location_dest_id.usage", "in", external),
        ]
        if self.product_ids:
            domain.append(("product_id", "in", self.product_ids.ids))
        lines = self.env["stock.move.line"].search(domain, order="date, id")
        labels = {"receiving": self.env._("Receiving"), "shipping": self.env._("Shipping")}
        kinds = lines._lot_tracking_move_kinds()
        receipts = lines.lot_id._lot_tracking_visible_receipts()
        rows = []
        for line in lines:
            kind = line._lot_tracking_move_kind()
            cte = CTE_BY_KIND.get(kind)
            if not cte:
                continue
            picking, lot = line.picking_id, line.lot_id
            partner = picking.partner_id or line.move_id.partner_id
            ours = line.location_id if cte == "shipping" else line.location_dest_id
            site = ours.warehouse_id.partner_id or line.company_id.partner_id
            parties = (partner, site) if cte == "receiving" else (site, partner)
            source, destination = (self._address(party) for party in parties)
            # The supplier assigned the code printed on the goods; otherwise we did, on receipt.
            receipt = lot.receipt_picking_id & receipts
            lot_source = (
                self._address(lot.supplier_id)
                if lot.supplier_lot_code and lot.supplier_id
                else self._address(receipt.picking_type_id.warehouse_id.partner_id)
                or self._address(site)
            )
            rows.append(
                (
                    labels[cte],
                    line.date,
                    lot.name,
                    lot.supplier_lot_code,
                    line.product_id.display_name,
                    line.product_id.barcode or line.product_id.default_code,
                    line.quantity,
                    line.product_uom_id.name,
                    ours.complete_name,
                    source,
                    line.location_id.complete_name,
                    destination,
                    line.location_dest_id.complete_name,
                    picking.picking_type_id.name or kinds[kind],
                    line.reference or picking.name,
                    picking.origin,
                    lot_source,
                )
            )
        return rows

    @staticmethod
    def _address(partner):
        """Name and address on one line, as FSMA's location descriptions ask."""
        return partner.with_context(show_address=True, address_inline=True).display_name or ""

    def action_export_xlsx(self):
        self.ensure_one()
        return xlsx_download(
            self.env,
            self.env._("FSMA 204"),
            f"fsma204_{self.date_from}_{self.date_to}.xlsx",
            self._fsma_columns(),
            self._fsma_rows(),
        )
