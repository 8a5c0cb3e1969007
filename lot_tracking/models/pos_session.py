from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _load_pos_data(self, data):
        res = super()._load_pos_data(data)
        # Sellable lots of the lot-tracked products, so the cashier gets them offline too.
        res["data"][0]["_lot_tracking_lots"] = self.env[
            "pos.order.line"
        ]._lot_tracking_sellable_lots(
            self.config_id,
            self.company_id.id,
            [("product_id.tracking", "=", "lot"), ("product_id.available_in_pos", "=", True)],
        )
        return res

    def _create_picking_at_end_of_session(self):
        # A picking known as a POS one from its creation on: lot checks never undo a sale.
        return super(
            PosSession, self.with_context(default_pos_session_id=self.id)
        )._create_picking_at_end_of_session()
