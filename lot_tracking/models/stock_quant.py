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

    def _apply_inventory(self):
        """Record every applied count of a lot's quant as a `counted` event, differences of
        zero included: what was counted, and what the system had just before."""
        counted = self.filtered("lot_id")
        vals_list = [
            {
                "lot_id": quant.lot_id.id,
                "event_type": "counted",
                # the quant's company: a lot shared between companies has none
                "company_id": quant.company_id.id,
                "location_id": quant.location_id.id,
                "quantity": quant.inventory_quantity,
                "system_quantity": quant.quantity,
                "user_id": self.env.uid,
                "note": self.env._(
                    "Counted in %(location)s", location=quant.location_id.display_name
                ),
            }
            for quant in counted
        ]
        res = super()._apply_inventory()
        if vals_list:
            self.env["lot.tracking.event"].sudo().create(vals_list)
        return res
