from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestCategoryCosting(LotTrackingCommon):
    """Changing a category's costing, or a product's category, revalues lot-valued stock lot by
    lot: two lots of one product, 3 units at 10 and 2 units at 20 (70 in all)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.valuation_account = cls.company_data["default_account_stock_valuation"]
        cls.input_account = cls.company_data["default_account_stock_in"]
        # FIFO, automated, with the company's stock accounts (Odoo's test category).
        cls.fifo_categ = cls.stock_account_product_categ
        cls.product = cls._create_lot_product(
            "Olive Oil", "2000000000077", categ_id=cls.fifo_categ.id
        )

    def _category(self, **vals):
        """Another category with the same stock accounts."""
        return self.fifo_categ.copy(
            {
                "property_stock_valuation_account_id": self.valuation_account.id,
                "property_stock_account_input_categ_id": self.input_account.id,
                "property_stock_account_output_categ_id": self.fifo_categ.with_company(
                    self.company
                ).property_stock_account_output_categ_id.id,
                **vals,
            }
        )

    def _receive(self, qty, price, product=None):
        receipt = self._validate(self._purchase([(product or self.product, qty, price)]))
        return receipt.move_line_ids.lot_id

    def _two_lots(self):
        return self._receive(3, 10.0), self._receive(2, 20.0)

    def _lot_figures(self, lot, company=None):
        """(quantity, value, cost) of a lot in a company, from its valuation layers."""
        company = company or self.company
        layers = self.env["stock.valuation.layer"].search(
            [("lot_id", "=", lot.id), ("company_id", "=", company.id)]
        )
        return (
            sum(layers.mapped("quantity")),
            round(sum(layers.mapped("value")), 2),
            lot.with_company(company).standard_price,
        )

    def _new_layers(self, before):
        return self.env["stock.valuation.layer"].search(
            [
                ("product_id", "=", self.product.id),
                ("company_id", "=", self.company.id),
                ("id", ">", before),
            ],
            order="id",
        )

    def _last_layer_id(self):
        return self.env["stock.valuation.layer"].search([], order="id desc", limit=1).id

    def _entries(self, layers):
        """Each layer's journal entry as (debit account, credit account, amount)."""
        result = []
        for layer in layers:
            move = layer.account_move_id
            self.assertEqual(move.state, "posted")
            debit = move.line_ids.filtered("debit")
            credit = move.line_ids.filtered("credit")
            self.assertEqual(len(debit), 1)
            self.assertEqual(len(credit), 1)
            self.assertEqual(debit.debit, credit.credit, "balanced")
            result.append((debit.account_id, credit.account_id, debit.debit))
        return result

    def _valuation_balance(self):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", self.valuation_account.id), ("parent_state", "=", "posted")]
        )
        return round(sum(lines.mapped("balance")), 2)

    def _assert_revalued_per_lot(self, cheap, dear, before, booked=True):
        """The change took each lot out and put it back at its own cost, booked per lot."""
        layers = self._new_layers(before)
        self.assertRecordValues(
            layers,
            [
                {"lot_id": cheap.id, "quantity": -3, "value": -30.0, "remaining_qty": 0},
                {"lot_id": dear.id, "quantity": -2, "value": -40.0, "remaining_qty": 0},
                {"lot_id": cheap.id, "quantity": 3, "value": 30.0, "remaining_qty": 3},
                {"lot_id": dear.id, "quantity": 2, "value": 40.0, "remaining_qty": 2},
            ],
        )
        self.assertEqual(layers[2:].mapped("remaining_value"), [30.0, 40.0])
        self.assertEqual(layers[2:].mapped("unit_cost"), [10.0, 20.0])
        self.assertEqual(self._lot_figures(cheap), (3, 30.0, 10.0))
        self.assertEqual(self._lot_figures(dear), (2, 40.0, 20.0))
        self.assertEqual((self.product.quantity_svl, self.product.value_svl), (5, 70.0))
        # No earlier layer of the lots keeps stock: the new ones are the lots' only stock.
        old = self.env["stock.valuation.layer"].search(
            [
                ("product_id", "=", self.product.id),
                ("company_id", "=", self.company.id),
                ("id", "<=", before),
            ]
        )
        self.assertEqual(sum(old.mapped("remaining_qty")), 0)
        return layers

    def _assert_booked_out_and_in_per_lot(self, layers):
        """One entry per lot taking it out at its cost (30, 40), one putting it back."""
        stock_in, valuation = self.input_account, self.valuation_account
        self.assertEqual(
            self._entries(layers),
            [
                (stock_in, valuation, 30.0),
                (stock_in, valuation, 40.0),
                (valuation, stock_in, 30.0),
                (valuation, stock_in, 40.0),
            ],
        )

    def test_fifo_to_avco_keeps_each_lot_at_its_cost(self):
        cheap, dear = self._two_lots()
        self.assertEqual(self._valuation_balance(), 70.0)
        before = self._last_layer_id()
        self.fifo_categ.property_cost_method = "average"
        self.assertEqual(self.product.cost_method, "average")
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        self.assertEqual(self.product.standard_price, 14.0)
        self._assert_booked_out_and_in_per_lot(layers)
        self.assertEqual(self._valuation_balance(), 70.0)
        # Under AVCO, a sale of the dear lot still costs that lot's 20, not the average 14.
        delivery = self._deliver(self.product, dear, 1)
        self.assertEqual(delivery.move_ids.stock_valuation_layer_ids.value, -20.0)
        self.assertEqual(self._lot_figures(cheap), (3, 30.0, 10.0))
        self.assertEqual(self._lot_figures(dear), (1, 20.0, 20.0))

    def test_avco_to_standard_keeps_each_lot_at_its_cost(self):
        self.fifo_categ.property_cost_method = "average"  # nothing in stock yet
        cheap, dear = self._two_lots()
        self.assertEqual(self.product.standard_price, 14.0)
        before = self._last_layer_id()
        self.fifo_categ.property_cost_method = "standard"
        self.assertEqual(self.product.cost_method, "standard")
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        # The product's standard price, which new lots take, stays what it was.
        self.assertEqual(self.product.standard_price, 14.0)
        self.assertEqual(len(self._entries(layers)), 4)
        self.assertEqual(self._valuation_balance(), 70.0)
        delivery = self._deliver(self.product, cheap, 2)
        self.assertEqual(delivery.move_ids.stock_valuation_layer_ids.value, -20.0)
        self.assertEqual(self._lot_figures(cheap), (1, 10.0, 10.0))

    def test_manual_to_automated_books_each_lot(self):
        self.fifo_categ.property_valuation = "manual_periodic"
        cheap, dear = self._two_lots()
        self.assertEqual(self._valuation_balance(), 0.0)
        before = self._last_layer_id()
        self.fifo_categ.property_valuation = "real_time"
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        self.assertFalse(layers[:2].account_move_id, "nothing was booked under manual valuation")
        self.assertEqual(
            self._entries(layers[2:]),
            [
                (self.valuation_account, self.input_account, 30.0),
                (self.valuation_account, self.input_account, 40.0),
            ],
        )
        self.assertEqual(self._valuation_balance(), 70.0)

    def test_automated_to_manual_reverses_each_lot(self):
        cheap, dear = self._two_lots()
        before = self._last_layer_id()
        self.fifo_categ.property_valuation = "manual_periodic"
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        self.assertEqual(
            self._entries(layers[:2]),
            [
                (self.input_account, self.valuation_account, 30.0),
                (self.input_account, self.valuation_account, 40.0),
            ],
        )
        self.assertFalse(layers[2:].account_move_id)
        self.assertEqual(self._valuation_balance(), 0.0)

    def test_moving_the_product_to_another_costing_method(self):
        avco_categ = self._category(property_cost_method="average")
        cheap, dear = self._two_lots()
        before = self._last_layer_id()
        self.product.categ_id = avco_categ
        self.assertEqual(self.product.cost_method, "average")
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        self.assertIn("Due to a change of product category", layers[0].description)
        self._assert_booked_out_and_in_per_lot(layers)
        self.assertEqual(self._valuation_balance(), 70.0)
        self.assertEqual(self.product.standard_price, 14.0)

    def test_moving_the_product_to_another_valuation(self):
        """Core accepts this move but refills every lot at the product cost (14)."""
        manual_categ = self._category(property_valuation="manual_periodic")
        cheap, dear = self._two_lots()
        before = self._last_layer_id()
        self.product.product_tmpl_id.write({"categ_id": manual_categ.id, "name": "Olive Oil EV"})
        self.assertEqual(self.product.name, "Olive Oil EV", "the other values are written")
        layers = self._assert_revalued_per_lot(cheap, dear, before)
        self.assertEqual(len(self._entries(layers[:2])), 2)
        self.assertFalse(layers[2:].account_move_id)
        self.assertEqual(self._valuation_balance(), 0.0)

    def test_moving_the_product_without_costing_change_revalues_nothing(self):
        twin = self._category(name="Oils")
        self._two_lots()
        before = self._last_layer_id()
        self.product.categ_id = twin
        self.assertEqual(self.product.categ_id, twin)
        self.assertFalse(self._new_layers(before))

    def test_other_products_of_the_category_are_revalued_by_core(self):
        plain = self.env["product.product"].create(
            {
                "name": "Vinegar",
                "is_storable": True,
                "categ_id": self.fifo_categ.id,
                "standard_price": 3.0,
            }
        )
        self.assertFalse(plain.lot_valuated)
        cheap, dear = self._two_lots()
        self._receive(4, 3.0, product=plain)
        before = self._last_layer_id()
        self.fifo_categ.property_cost_method = "average"
        self._assert_revalued_per_lot(cheap, dear, before)
        plain_layers = self.env["stock.valuation.layer"].search(
            [("product_id", "=", plain.id), ("id", ">", before)], order="id"
        )
        self.assertEqual(plain_layers.mapped("value"), [-12.0, 12.0])
        self.assertEqual(plain.value_svl, 12.0)

    def _assert_refused(self, message):
        layers = self.env["stock.valuation.layer"].search_count([])
        moves = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, message):
            self.fifo_categ.property_cost_method = "average"
        with self.assertRaisesRegex(UserError, message):
            self.product.categ_id = self._category(property_cost_method="average")
        self.env.invalidate_all()
        self.assertEqual(self.fifo_categ.property_cost_method, "fifo")
        self.assertEqual(self.product.categ_id, self.fifo_categ)
        self.assertEqual(self.env["stock.valuation.layer"].search_count([]), layers)
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_stock_without_a_lot_is_refused(self):
        self._two_lots()
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 1)
        self._assert_refused(r"stock without a lot of Olive Oil")

    def test_negative_lot_is_refused(self):
        cheap, _dear = self._two_lots()
        self._deliver(self.product, cheap, 4)
        self.assertEqual(self._lot_figures(cheap)[0], -1)
        self._assert_refused(rf"negative quantity of lots {cheap.name} \(Olive Oil\)")

    def _stock_in_company_2(self, qty, price):
        """A second company valuing the category by FIFO too (costing is set per company),
        where the product (shared) gets a lot of ``qty`` at ``price``."""
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self.product.company_id = False
        self.fifo_categ.with_company(company_2).property_cost_method = "fifo"
        warehouse_2 = self.env["stock.warehouse"].search([("company_id", "=", company_2.id)])
        supplier_location = self.env.ref("stock.stock_location_suppliers")
        receipt = (
            self.env["stock.picking"]
            .with_company(company_2)
            .create(
                {
                    "picking_type_id": warehouse_2.in_type_id.id,
                    "location_id": supplier_location.id,
                    "location_dest_id": warehouse_2.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": "Olive Oil",
                                "product_id": self.product.id,
                                "product_uom_qty": qty,
                                "price_unit": price,
                                "location_id": supplier_location.id,
                                "location_dest_id": warehouse_2.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        receipt.action_confirm()
        self._validate(receipt)
        return company_2, receipt.move_line_ids.lot_id

    def test_only_the_company_whose_costing_changes_is_revalued(self):
        cheap, dear = self._two_lots()
        company_2, lot_2 = self._stock_in_company_2(4, 30.0)
        self.assertNotIn(lot_2, cheap | dear)
        figures_2 = self._lot_figures(lot_2, company_2)
        self.assertEqual(figures_2, (4, 120.0, 30.0))
        layers_2 = self.env["stock.valuation.layer"].search_count(
            [("company_id", "=", company_2.id)]
        )
        before = self._last_layer_id()
        # Both companies selected, the first one current: only its costing changes.
        self.fifo_categ.with_context(
            allowed_company_ids=(self.company | company_2).ids
        ).property_cost_method = "average"
        self._assert_revalued_per_lot(cheap, dear, before)
        self.assertEqual(
            self.env["stock.valuation.layer"].search_count([("company_id", "=", company_2.id)]),
            layers_2,
        )
        self.assertEqual(self._lot_figures(lot_2, company_2), figures_2)
        self.assertEqual(self.fifo_categ.with_company(company_2).property_cost_method, "fifo")

    def test_moving_the_product_revalues_every_company_it_changes(self):
        cheap, dear = self._two_lots()
        company_2, lot_2 = self._stock_in_company_2(4, 30.0)
        avco_categ = self._category(property_cost_method="average")
        avco_categ.with_company(company_2).property_cost_method = "average"
        layers = self.env["stock.valuation.layer"].search_count([])
        with self.assertRaisesRegex(UserError, r"Olive Oil .* company_2\. Select these"):
            self.product.with_context(allowed_company_ids=self.company.ids).categ_id = avco_categ
        self.env.invalidate_all()
        self.assertEqual(self.product.categ_id, self.fifo_categ)
        self.assertEqual(self.env["stock.valuation.layer"].search_count([]), layers)
        before = self._last_layer_id()
        self.product.with_context(
            allowed_company_ids=(self.company | company_2).ids
        ).categ_id = avco_categ
        self._assert_revalued_per_lot(cheap, dear, before)
        layers_2 = self.env["stock.valuation.layer"].search(
            [("company_id", "=", company_2.id), ("id", ">", before)], order="id"
        )
        self.assertRecordValues(
            layers_2,
            [
                {"lot_id": lot_2.id, "quantity": -4, "value": -120.0},
                {"lot_id": lot_2.id, "quantity": 4, "value": 120.0},
            ],
        )
        self.assertEqual(self._lot_figures(lot_2, company_2), (4, 120.0, 30.0))
        self.assertFalse(layers_2.account_move_id, "company 2 values its stock manually")
