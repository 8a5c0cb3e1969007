from odoo import api, models

from ..tools import gs1


class PosSession(models.Model):
    _inherit = "pos.session"

    @api.model
    def _load_pos_data_models(self, config_id):
        # The lots the till works from, offline too (stock.lot._load_pos_data).
        return [*super()._load_pos_data_models(config_id), "stock.lot"]

    def find_product_by_barcode(self, barcode, config_id):
        """Core matches the barcode exactly; a GS1 label carries the product's EAN-13, UPC-A or
        EAN-8 as a GTIN-14 with leading zeros (and the other way round): the same number
        written with other leading zeros finds the product too."""
        result = super().find_product_by_barcode(barcode, config_id)
        forms = gs1.gtin_forms(barcode)[1:]
        if result.get("product.product") or not forms:
            return result
        product = self.env["product.product"].search(
            [
                ("barcode", "in", forms),
                ("sale_ok", "=", True),
                ("available_in_pos", "=", True),
            ],
            limit=1,
        )
        if not product:
            return result
        return super().find_product_by_barcode(product.barcode, config_id)

    def _create_picking_at_end_of_session(self):
        # A picking known as a POS one from its creation on: lot checks never undo a sale.
        return super(
            PosSession, self.with_context(default_pos_session_id=self.id)
        )._create_picking_at_end_of_session()
