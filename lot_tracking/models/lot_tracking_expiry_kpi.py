from odoo import api, fields, models


class LotTrackingExpiryKpi(models.Model):
    """What share of the stock is nearing expiry, stored at each expiry run for trends."""

    _name = "lot.tracking.expiry.kpi"
    _description = "Lot Expiry KPI"
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    quantity_on_hand = fields.Float(readonly=True, digits="Product Unit of Measure")
    quantity_expiring = fields.Float(readonly=True, digits="Product Unit of Measure")
    value_on_hand = fields.Monetary(readonly=True)
    value_expiring = fields.Monetary(readonly=True)
    quantity_expiring_percent = fields.Float("% Quantity Expiring", readonly=True, aggregator="avg")
    value_expiring_percent = fields.Float("% Value Expiring", readonly=True, aggregator="avg")
    alert_count = fields.Integer("Lots Alerted", readonly=True)
    expired_count = fields.Integer("Lots Expired", readonly=True)

    @api.model
    def _record_run(self, company, window, alerted, expired):
        """Store ``company``'s figures for one expiry run: its internal stock of lot-tracked
        products (the basis of ``res.company._lot_tracking_nearing_expiry``), the part of it
        whose lot matches ``window`` (a stock.lot domain), and the lots the run alerted and
        found newly expired. Four grouped queries, whatever the number of lots."""
        tracked = [("company_id", "=", company.id), ("product_id.tracking", "=", "lot")]
        internal = [*tracked, ("location_id.usage", "=", "internal"), ("quantity", ">", 0)]
        Quant = self.env["stock.quant"].sudo()
        [[qty_on_hand]] = Quant._read_group(internal, [], ["quantity:sum"])
        [[qty_expiring]] = Quant._read_group(
            [*internal, ("lot_id", "any", window)], [], ["quantity:sum"]
        )
        Layer = self.env["stock.valuation.layer"].sudo()
        layers = tracked
        [[value_on_hand]] = Layer._read_group(layers, [], ["value:sum"])
        [[value_expiring]] = Layer._read_group(
            [*layers, ("lot_id", "any", window)], [], ["value:sum"]
        )

        def percent(part, whole):
            return round(100.0 * part / whole, 2) if whole else 0.0

        return self.sudo().create(
            {
                "company_id": company.id,
                "quantity_on_hand": qty_on_hand,
                "quantity_expiring": qty_expiring,
                "value_on_hand": value_on_hand,
                "value_expiring": value_expiring,
                "quantity_expiring_percent": percent(qty_expiring, qty_on_hand),
                "value_expiring_percent": percent(value_expiring, value_on_hand),
                "alert_count": len(alerted),
                "expired_count": len(expired),
            }
        )
