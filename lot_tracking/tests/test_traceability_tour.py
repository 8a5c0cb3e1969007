from odoo.tests import HttpCase, tagged

from .common import create_transfer


@tagged("post_install", "-at_install")
class TestTraceabilityTour(HttpCase):
    def _transfer(self, picking_type, partner, product, qty, lot_name=None):
        """A done transfer of ``qty`` ``product`` between the type's default locations."""
        picking = create_transfer(picking_type, product, qty, partner=partner)
        if lot_name:
            picking.move_line_ids.lot_name = lot_name
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def test_lot_trace_from_core_traceability(self):
        """From core's traceability of a lot to its trace, which shows where the lot came from,
        where it went and what is left."""
        product = self.env["product.product"].create(
            {"name": "Traced", "is_storable": True, "tracking": "lot"}
        )
        farm = self.env["res.partner"].create({"name": "Traced Farm"})
        shop = self.env["res.partner"].create({"name": "Traced Shop"})
        warehouse = self.env.ref("stock.warehouse0")
        receipt = self._transfer(warehouse.in_type_id, farm, product, 5, lot_name="TRACED-1")
        lot = receipt.move_line_ids.lot_id
        self.assertEqual((lot.name, lot.supplier_id), ("TRACED-1", farm))
        self._transfer(warehouse.out_type_id, shop, product, 2)
        self.start_tour(f"/odoo/lots/{lot.id}", "lot_tracking_traceability_tour", login="admin")
