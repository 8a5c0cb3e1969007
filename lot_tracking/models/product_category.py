from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    lot_sequence_id = fields.Many2one(
        "ir.sequence",
        help="Numbers the lots created at receipt for products of this category. "
        "Empty: the Lot Tracking default sequence.",
    )
