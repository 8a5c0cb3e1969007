from datetime import timedelta

from odoo import fields, models
from odoo.tools import float_compare

from ..tools import period

FALLBACK_NOMENCLATURE = "point_of_sale.fallback_nomenclature_id"


class ResCompany(models.Model):
    _inherit = "res.company"

    gln = fields.Char(related="partner_id.gln", readonly=False)

    lot_tracking_force_lot_valuation = fields.Boolean(
        "Value Lot-Tracked Products by Lot",
        default=True,
        help="New lot-tracked storable products, and products switched to lot tracking while "
        "they have no stock, are valued by lot (each lot at its own cost).",
    )
    lot_tracking_expiry_loss_account_id = fields.Many2one(
        "account.account",
        string="Expiry Loss Account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Debited when expired or recalled lots are written off.",
    )
    lot_tracking_expiry_warning_days = fields.Integer(
        "Expiry Warning Days",
        default=30,
        help="Lots with stock are alerted this many days before they expire, unless their "
        "product has its own alert time.",
    )
    lot_tracking_auto_write_off = fields.Boolean(
        "Write Off Expired Lots Automatically",
        help="The daily expiry run writes off the stock of expired lots.",
    )
    lot_tracking_velocity_days = fields.Integer(
        "Sales Velocity Window",
        default=30,
        help="Days of past sales used to project when each lot will sell out.",
    )
    lot_tracking_observation_days = fields.Integer(
        "Observation Window",
        default=7,
        help="Days a lot must have been in stock before its sales pace is judged: younger lots "
        "have no velocity yet, so they are never reported as stagnating or unsold.",
    )
    lot_tracking_safety_days = fields.Integer(
        "Restock Safety Days",
        default=7,
        help="Days of sales the restock forecast keeps in stock beyond the vendor's lead time.",
    )
    lot_tracking_count_tolerance = fields.Float(
        "Count Tolerance",
        digits="Product Unit of Measure",
        default=0.0,
        help="A count of a lot is accurate when the counted quantity differs from the system's "
        "by at most this many units.",
    )

    def _lot_tracking_stock_accuracy(self, date_from, date_to):
        """Lot-specific stock accuracy of these companies over ``[date_from, date_to]``:
        ``{"counts": n, "accurate": n, "rate": % or False when nothing was counted}``."""
        start, end = period.bounds(date_from, date_to)
        groups = (
            self.env["lot.tracking.event"]
            .sudo()
            ._read_group(
                [
                    ("event_type", "=", "counted"),
                    ("company_id", "in", self.ids),
                    ("date", ">=", start),
                    ("date", "<=", end),
                ],
                ["company_id", "quantity", "system_quantity"],
                ["__count"],
            )
        )
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        counts = accurate = 0
        for company, quantity, system_quantity, count in groups:
            counts += count
            difference = abs(quantity - system_quantity)
            tolerance = company.lot_tracking_count_tolerance
            if float_compare(difference, tolerance, precision_digits=digits) <= 0:
                accurate += count
        return {
            "counts": counts,
            "accurate": accurate,
            "rate": 100.0 * accurate / counts if counts else False,
        }

    def _lot_tracking_nearing_expiry(self, window_days=None):
        """Share of this company's internal stock of lot-tracked products held in lots that
        expire after now and within ``window_days`` (default: the expiry warning days):
        ``{"qty_pct": %, "value_pct": %}``, the value from the valuation layers."""
        self.ensure_one()
        now = fields.Datetime.now()
        days = self.lot_tracking_expiry_warning_days if window_days is None else window_days
        nearing = [
            ("expiration_date", ">", now),
            ("expiration_date", "<=", now + timedelta(days=days)),
        ]
        tracked = [("company_id", "=", self.id), ("product_id.tracking", "=", "lot")]
        Quant = self.env["stock.quant"]
        internal = [*tracked, ("location_id.usage", "=", "internal"), ("quantity", ">", 0)]
        [[qty_all]] = Quant._read_group(internal, [], ["quantity:sum"])
        [[qty_nearing]] = Quant._read_group(
            [*internal, ("lot_id", "any", nearing)], [], ["quantity:sum"]
        )
        # Only the share leaves this method, not the values: readable without accounting rights.
        Layer = self.env["stock.valuation.layer"].sudo()
        [[value_all]] = Layer._read_group(tracked, [], ["value:sum"])
        [[value_nearing]] = Layer._read_group(
            [*tracked, ("lot_id", "any", nearing)], [], ["value:sum"]
        )
        return {
            "qty_pct": 100.0 * qty_nearing / qty_all if qty_all else 0.0,
            "value_pct": 100.0 * value_nearing / value_all if value_all else 0.0,
        }

    def _lot_tracking_read_gs1_at_till(self):
        """Scan GS1 labels at the till: core's GS1 nomenclature for these companies, with the
        POS fallback nomenclature (``point_of_sale.fallback_nomenclature_id``) reading what is
        not GS1, such as a product's plain EAN-13."""
        self.nomenclature_id = self.env.ref("barcodes_gs1_nomenclature.default_gs1_nomenclature")
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param(FALLBACK_NOMENCLATURE):
            params.set_param(
                FALLBACK_NOMENCLATURE, self.env.ref("barcodes.default_barcode_nomenclature").id
            )
