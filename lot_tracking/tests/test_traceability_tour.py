from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTraceabilityTour(HttpCase):
    def test_lot_trace_from_core_traceability(self):
        product = self.env["product.product"].create(
            {"name": "Traced", "is_storable": True, "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "TRACED-1", "product_id": product.id})
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": stock.id,
                "lot_id": lot.id,
                "inventory_quantity": 3,
            }
        ).action_apply_inventory()
        self.start_tour(
            f"/odoo/lots/{lot.id}",
            "lot_tracking_traceability_tour",
            login="admin",
        )
