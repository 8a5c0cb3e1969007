from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon


@tagged("post_install", "-at_install")
class TestPosLotValuation(TestPoSCommon):
    """A POS session books cost of goods sold at each lot's own cost (anglo-saxon)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Honey", cls.categ_anglo, 9.0, 15.0)
        cls.product.write({"tracking": "lot", "is_storable": True})
        stock = cls.company_data["default_warehouse"].lot_stock_id
        cls.lots = {}
        for name, cost, qty in (("CHEAP", 10.0, 5), ("DEAR", 20.0, 5)):
            lot = cls.env["stock.lot"].create(
                {"name": name, "product_id": cls.product.id, "standard_price": cost}
            )
            quant = (
                cls.env["stock.quant"]
                .with_context(inventory_mode=True)
                .create(
                    {
                        "product_id": cls.product.id,
                        "location_id": stock.id,
                        "lot_id": lot.id,
                        "inventory_quantity": qty,
                    }
                )
            )
            quant.action_apply_inventory()
            cls.lots[name] = lot

    def _order(self, lot_quantities):
        data = self.create_ui_order_data([(self.product, qty) for qty in lot_quantities.values()])
        for line, lot_name in zip(data["lines"], lot_quantities, strict=True):
            line[2]["pack_lot_ids"] = [[0, 0, {"lot_name": lot_name}]]
        return data

    def test_session_cogs_is_the_sum_of_each_lot_cost(self):
        self.assertTrue(self.product.lot_valuated)
        self.open_new_session()
        self.env["pos.order"].sync_from_ui([self._order({"DEAR": 2, "CHEAP": 1})])
        self.env["pos.order"].sync_from_ui([self._order({"DEAR": 1})])
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")

        layers = self.pos_session.picking_ids.move_ids.stock_valuation_layer_ids
        by_lot = {}
        for layer in layers:
            qty, value = by_lot.get(layer.lot_id.name, (0, 0))
            by_lot[layer.lot_id.name] = (qty + layer.quantity, value + layer.value)
        self.assertEqual(by_lot, {"DEAR": (-3, -60.0), "CHEAP": (-1, -10.0)})

        expense = (
            self.product.categ_id.property_account_expense_categ_id
            or (self.company_data["default_account_expense"])
        )
        output = self.company_data["default_account_stock_out"]
        lines = self.pos_session.move_id.line_ids
        self.assertAlmostEqual(
            sum(lines.filtered(lambda line: line.account_id == expense).mapped("balance")), 70.0
        )
        self.assertAlmostEqual(
            sum(lines.filtered(lambda line: line.account_id == output).mapped("balance")), -70.0
        )
