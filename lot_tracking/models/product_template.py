from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    receipt_min_shelf_life_days = fields.Integer(
        "Minimum Shelf Life at Receipt",
        help="A lot received with fewer days left before its expiration date goes to "
        "quarantine. 0 disables the check.",
    )

    _sql_constraints = [
        (
            "receipt_min_shelf_life_days_positive",
            "CHECK(receipt_min_shelf_life_days >= 0)",
            "The minimum shelf life at receipt cannot be negative.",
        ),
    ]
