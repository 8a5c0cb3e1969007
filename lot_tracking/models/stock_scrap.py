from odoo import fields, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    lot_tracking_write_off = fields.Boolean(
        "Lot Write-off",
        readonly=True,
        help="Booked to the company's expiry loss account instead of the scrap location's.",
    )
