from odoo import models
from odoo.osv import expression


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _get_gather_domain(
        self, product_id, location_id, lot_id=None, package_id=None, owner_id=None, strict=False
    ):
        domain = super()._get_gather_domain(
            product_id, location_id, lot_id, package_id, owner_id, strict
        )
        # Like core's `with_expiration`: set by reservations for customers only.
        if self.env.context.get("lot_tracking_released_only"):
            domain = expression.AND(
                [["|", ("lot_id", "=", False), ("lot_id.quality_state", "=", "released")], domain]
            )
        return domain
