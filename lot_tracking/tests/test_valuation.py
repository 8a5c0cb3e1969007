import base64
import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestLotValuation(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_valuation_account = cls.company_data["default_account_stock_valuation"]
        cls.stock_out_account = cls.company_data["default_account_stock_out"]
        cls.avco_categ = cls.stock_account_product_categ.copy(
            {
                "property_cost_method": "average",
                "property_stock_valuation_account_id": cls.stock_valuation_account.id,
                "property_stock_account_input_categ_id": cls.company_data[
                    "default_account_stock_in"
                ].id,
                "property_stock_account_output_categ_id": cls.stock_out_account.id,
            }
        )
        cls.loss_account = cls.env["account.account"].create(
            {"name": "Expired stock losses", "code": "LTLOSS", "account_type": "expense"}
        )

    def _receive(self, product, qty, price, code):
        receipt = self._purchase([(product, qty, price)])
        receipt.lot_tracking_scan(self._label(product, code, self._in_days(60), **{"37": qty}))
        self._validate(receipt)
        return receipt.move_line_ids.lot_id

    def _two_lots(self, product):
        return self._receive(product, 5, 10.0, "TEN"), self._receive(product, 5, 20.0, "TWENTY")

    def _return(self, picking, qty):
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=picking.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        action = wizard.action_create_returns()
        return self._validate(self.env["stock.picking"].browse(action["res_id"]))

    def _lot_value(self, lot):
        layers = self.env["stock.valuation.layer"].search([("lot_id", "=", lot.id)])
        return round(sum(layers.mapped("value")), 2), sum(layers.mapped("quantity"))

    def test_new_lot_tracked_products_are_valued_by_lot(self):
        self.assertTrue(self.yogurt.lot_valuated)
        plain = self.env["product.product"].create({"name": "Salt", "is_storable": True})
        self.assertFalse(plain.lot_valuated)
        plain.tracking = "lot"
        self.assertTrue(plain.lot_valuated, "switched to lot tracking without stock")
        self.company.lot_tracking_force_lot_valuation = False
        other = self._create_lot_product("Pepper", "2000000000053")
        self.assertFalse(other.lot_valuated)

    def test_product_with_stock_is_switched_only_on_request(self):
        product = self.env["product.product"].create(
            {"name": "Flour", "is_storable": True, "categ_id": self.stock_account_product_categ.id}
        )
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 4)
        self.env["stock.valuation.layer"].create(
            {
                "product_id": product.id,
                "quantity": 4,
                "value": 8,
                "unit_cost": 2,
                "company_id": self.company.id,
            }
        )
        product.tracking = "lot"
        self.assertFalse(product.lot_valuated, "never silently")
        with self.assertRaisesRegex(UserError, "cannot be valued by lot yet"):
            product.product_tmpl_id.action_lot_tracking_value_by_lot()
        self.assertFalse(product.lot_valuated)

    def _check_sale_at_lot_cost(self, product):
        cheap, dear = self._two_lots(product)
        self.assertEqual(self._lot_value(cheap), (50.0, 5))
        self.assertEqual(self._lot_value(dear), (100.0, 5))
        delivery = self._deliver(product, dear, 3)
        layer = delivery.move_ids.stock_valuation_layer_ids
        self.assertEqual((layer.lot_id, layer.quantity, layer.value), (dear, -3, -60.0))
        lines = layer.account_move_id.line_ids
        self.assertRecordValues(
            lines.sorted("balance"),
            [
                {"account_id": self.stock_valuation_account.id, "balance": -60.0},
                {"account_id": self.stock_out_account.id, "balance": 60.0},
            ],
        )
        self.assertEqual(self._lot_value(cheap), (50.0, 5), "the other lot is untouched")
        self.assertEqual(self._lot_value(dear), (40.0, 2))
        return cheap, dear, delivery

    def test_delivery_books_cogs_at_the_lot_cost_fifo(self):
        self._check_sale_at_lot_cost(self.yogurt)

    def test_delivery_books_cogs_at_the_lot_cost_avco(self):
        product = self._create_lot_product("Kefir", "2000000000060", categ_id=self.avco_categ.id)
        cheap, dear, _delivery = self._check_sale_at_lot_cost(product)
        self.assertEqual((cheap.standard_price, dear.standard_price), (10.0, 20.0))

    def test_returns_move_value_at_the_lot_cost(self):
        cheap, dear, delivery = self._check_sale_at_lot_cost(self.yogurt)
        customer_return = self._return(delivery, 1)
        layer = customer_return.move_ids.stock_valuation_layer_ids
        self.assertEqual((layer.lot_id, layer.value), (dear, 20.0))
        receipt = cheap.receipt_picking_id
        vendor_return = self._return(receipt, 2)
        layer = vendor_return.move_ids.stock_valuation_layer_ids
        self.assertEqual((layer.lot_id, layer.value), (cheap, -20.0))
        self.assertEqual(self._lot_value(cheap), (30.0, 3))
        self.assertEqual(self._lot_value(dear), (60.0, 3))

    def test_bill_price_difference_corrects_only_that_lot(self):
        cheap = self._receive(self.yogurt, 5, 10.0, "A")
        receipt = self._purchase([(self.yogurt, 5, 10.0)])
        receipt.lot_tracking_scan(self._label(self.yogurt, "B", self._in_days(60), **{"37": 5}))
        self._validate(receipt)
        billed = receipt.move_line_ids.lot_id
        order = receipt.purchase_id
        order.action_create_invoice()
        bill = order.invoice_ids
        bill.invoice_date = bill.date
        bill.invoice_line_ids.price_unit = 12.0
        bill.action_post()
        self.assertEqual(self._lot_value(billed), (60.0, 5))
        self.assertEqual(self._lot_value(cheap), (50.0, 5))

    def test_write_off_scraps_at_the_lot_cost_to_the_loss_account(self):
        _cheap, dear = self._two_lots(self.yogurt)
        self.company.lot_tracking_expiry_loss_account_id = self.loss_account
        dear.with_user(self.manager).action_lot_tracking_write_off(reason="Expired")
        self.assertEqual(dear.product_qty, 0)
        self.assertEqual(self._lot_value(dear), (0.0, 0))
        scrap = self.env["stock.scrap"].search([("lot_id", "=", dear.id)])
        self.assertEqual((scrap.state, scrap.scrap_qty), ("done", 5))
        lines = scrap.move_ids.stock_valuation_layer_ids.account_move_id.line_ids
        self.assertRecordValues(
            lines.sorted("balance"),
            [
                {"account_id": self.stock_valuation_account.id, "balance": -100.0},
                {"account_id": self.loss_account.id, "balance": 100.0},
            ],
        )
        event = dear.event_ids.filtered(lambda e: e.event_type == "written_off")
        self.assertEqual((event.quantity, event.note, event.user_id), (5, "Expired", self.manager))

    def test_write_off_refuses_what_it_cannot_do(self):
        cheap, _dear = self._two_lots(self.yogurt)
        empty = self.env["stock.lot"].create(
            {"name": "EMPTY", "product_id": self.yogurt.id, "company_id": self.company.id}
        )
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "Set the Expiry Loss Account"):
            cheap.with_user(self.manager).action_lot_tracking_write_off()
        self.company.lot_tracking_expiry_loss_account_id = self.loss_account
        with self.assertRaisesRegex(UserError, "No stock to write off for lot.*EMPTY"):
            empty.with_user(self.manager).action_lot_tracking_write_off()
        with self.assertRaises(AccessError):
            cheap.with_user(self.stock_user).action_lot_tracking_write_off()
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(cheap.product_qty, 5)

    def test_valuation_report_reconciles_with_core(self):
        _cheap, dear = self._two_lots(self.yogurt)
        self._deliver(self.yogurt, dear, 2)
        self._receive(self.cheese, 4, 7.33, "C")
        products = self.yogurt | self.cheese
        Report = self.env["lot.tracking.valuation.report"]
        lines = Report.search([("product_id", "in", products.ids)])
        self.assertEqual(
            sorted(lines.mapped(lambda r: (r.lot_id.supplier_lot_code, r.quantity, r.value))),
            [("C", 4, 29.32), ("TEN", 5, 50.0), ("TWENTY", 3, 60.0)],
        )
        self.assertEqual(lines.filtered(lambda r: r.lot_id == dear).unit_cost, 20.0)
        core = self.env["stock.valuation.layer"]._read_group(
            [("product_id", "in", products.ids)], [], ["value:sum"]
        )[0][0]
        ours = Report._read_group([("product_id", "in", products.ids)], [], ["value:sum"])[0][0]
        self.assertAlmostEqual(ours, core)
        self.assertAlmostEqual(ours, 139.32)
        in_stock = Report.search([("location_id", "=", self.stock_location.id)])
        self.assertEqual(in_stock, lines)
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = self._create_user("lt_outsider", "stock.group_stock_manager")
        outsider.write({"company_ids": [(6, 0, other.ids)], "company_id": other.id})
        self.assertFalse(Report.with_user(outsider).search([]), "other companies' lots hidden")
        action = lines.action_lot_tracking_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        self.assertEqual(sheet["A1"].value, "Product")
        rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows[dear.name][4], 3)
        self.assertEqual(rows[dear.name][7], 60.0)
        self.assertEqual(rows[dear.name][2], "Released")
