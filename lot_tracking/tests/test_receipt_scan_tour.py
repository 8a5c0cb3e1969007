from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestReceiptScanTour(HttpCase):
    def test_scanner_types_the_label_and_presses_enter(self):
        product = self.env["product.product"].create(
            {
                "name": "Scanned Yogurt",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "barcode": "2000000000091",
            }
        )
        supplier = self.env["res.partner"].create({"name": "Label Dairy"})
        order = self.env["purchase.order"].create(
            {
                "partner_id": supplier.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_qty": 6})],
            }
        )
        order.button_confirm()
        receipt = order.picking_ids
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{receipt.id}",
            "lot_tracking_receipt_scan_tour",
            login="admin",
        )
        line = receipt.move_line_ids.filtered("lot_id")
        self.assertEqual(line.lot_id.supplier_lot_code, "SCAN-1")
        self.assertEqual(line.lot_id.supplier_id, supplier)
        self.assertEqual(line.quantity, 1)
        self.assertEqual(line.lot_name, line.lot_id.name)
