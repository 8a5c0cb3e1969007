from odoo import fields, models


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
