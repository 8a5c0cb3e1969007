from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestCoreCompatibility(LotTrackingCommon):
    """Core behaviours the module must leave alone: differences found by `make compat`."""

    def _receipt(self, product, use_create_lots, use_existing_lots):
        self.warehouse.in_type_id.write(
            {"use_create_lots": use_create_lots, "use_existing_lots": use_existing_lots}
        )
        return self._purchase([(product, 3, 2.0)])

    def test_operation_type_without_lots_receives_without_a_lot(self):
        """Neither creating nor using lots: core receives tracked goods without a lot."""
        salt = self._create_lot_product("Salt", "2000000000701", lot_valuated=False)
        receipt = self._validate(self._receipt(salt, False, False))
        self.assertEqual(receipt.state, "done")
        self.assertFalse(receipt.move_line_ids.lot_name, "no lot name invented")
        self.assertFalse(receipt.move_line_ids.lot_id)
        self.assertEqual(salt.with_context(location=self.stock_location.id).qty_available, 3)

    def test_operation_type_that_creates_no_lots_asks_for_a_lot(self):
        """A lot-valued product still needs a lot: core's own error, not a crash on a lot name
        that the operation type never turns into a lot."""
        receipt = self._receipt(self.yogurt, False, False)
        with self.assertRaisesRegex(UserError, "mandatory for product valuated by lot"):
            self._validate(receipt)

    def test_demo_data_leaves_the_default_category_free(self):
        yogurt = self.env.ref("lot_tracking.demo_product_yogurt", raise_if_not_found=False)
        if not yogurt:
            self.skipTest("installed without demo data")
        # the demo's stock is the main company's: look as core's check does, across companies
        yogurt = yogurt.sudo().with_company(self.env.ref("base.main_company"))
        default = self.env.ref("product.product_category_all").with_env(yogurt.env)
        self.assertEqual(yogurt.categ_id, self.env.ref("lot_tracking.demo_product_category"))
        self.assertTrue(yogurt.stock_valuation_layer_ids, "the demo still values its lots")
        self.assertFalse(
            yogurt.search(
                [
                    ("categ_id", "=", default.id),
                    ("lot_valuated", "=", True),
                    ("stock_valuation_layer_ids", "!=", False),
                ]
            )
        )
        # core refuses this while lot-valued products of the category have valuation layers
        default.write({"property_cost_method": "average", "property_valuation": "real_time"})
        self.assertEqual(default.property_cost_method, "average")
