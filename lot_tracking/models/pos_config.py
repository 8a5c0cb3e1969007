from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    lot_tracking_auto_select = fields.Boolean(
        "Pre-select First-to-Expire Lot",
        default=True,
        help="Adding a lot-tracked product puts its first-to-expire sellable lot on the line, "
        "without asking the cashier.",
    )
    lot_tracking_block_ineligible = fields.Boolean(
        "Block Unsellable Lots",
        default=True,
        help="Refuse a typed or scanned lot that is expired, recalled, blocked, in quarantine "
        "or unknown.",
    )
