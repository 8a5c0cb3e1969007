import base64
import io
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_analytics import AnalyticsCommon


def _sheet(env, action):
    attachment = env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
    return openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active


@tagged("post_install", "-at_install")
class TestExpiryLosses(AnalyticsCommon):
    """Cheese lot bought 10 x 4.37 from Fresh Fields, 3 sold, expired: 7 written off = 30.59.
    Yogurt lot bought 6 x 1.25 from Other Dairy, recalled: 6 written off = 7.50. A plain scrap
    of a third lot is not a write-off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.lot_tracking_expiry_loss_account_id = cls.company_data[
            "default_account_expense"
        ]
        cls.dairy = cls.env["res.partner"].create({"name": "Other Dairy"})

    def _write_offs(self):
        cheese = self._receive(self.cheese, 10, price=4.37)
        self._deliver(self.cheese, cheese, 3)
        self._age(cheese, 30, expires_in=-1)
        cheese.action_lot_tracking_write_off(reason="Expired on the shelf")
        yogurt = self._receive(self.yogurt, 6, price=1.25, partner=self.dairy)
        yogurt._lot_tracking_set_quality_state("recalled")
        yogurt.action_lot_tracking_write_off(reason="Recall R-1")
        other = self._receive(self.yogurt, 4, price=1.0)
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.yogurt.id,
                "lot_id": other.id,
                "scrap_qty": 4,
                "location_id": self.stock_location.id,
            }
        )
        scrap.action_validate()
        return cheese, yogurt

    def test_write_offs_by_supplier_cause_and_reason(self):
        cheese, yogurt = self._write_offs()
        Loss = self.env["lot.tracking.expiry.loss"]
        lines = Loss.search([("product_id", "in", (self.cheese | self.yogurt).ids)])
        self.assertRecordValues(
            lines.sorted("value"),
            [
                {
                    "lot_id": yogurt.id,
                    "lot_name": yogurt.name,
                    "product_id": self.yogurt.id,
                    "supplier_id": self.dairy.id,
                    "cause": "recalled",
                    "reason": "Recall R-1",
                    "quantity": 6.0,
                    "value": 7.5,
                    "date": fields.Date.context_today(Loss),
                },
                {
                    "lot_id": cheese.id,
                    "lot_name": cheese.name,
                    "product_id": self.cheese.id,
                    "supplier_id": self.supplier.id,
                    "cause": "expired",
                    "reason": "Expired on the shelf",
                    "quantity": 7.0,
                    "value": 30.59,
                    "date": fields.Date.context_today(Loss),
                },
            ],
        )
        groups = Loss.read_group(
            [("id", "in", lines.ids)], ["value:sum"], ["date:month", "supplier_id"], lazy=False
        )
        self.assertEqual(
            sorted((g["supplier_id"][0], g["value"]) for g in groups),
            sorted([(self.supplier.id, 30.59), (self.dairy.id, 7.5)]),
        )
        # the same figures as the journal: the expiry loss account was debited 38.09
        expense = self.company.lot_tracking_expiry_loss_account_id
        debit = sum(
            self.env["account.move.line"]
            .search([("account_id", "=", expense.id), ("product_id", "in", lines.product_id.ids)])
            .mapped("balance")
        )
        self.assertAlmostEqual(debit, 38.09)
        yesterday = fields.Date.today() - timedelta(days=1)
        self.assertFalse(Loss.search([("id", "in", lines.ids), ("date", "<=", yesterday)]))

    def test_accountant_exports_without_stock_rights(self):
        cheese, __ = self._write_offs()
        for group in ("account.group_account_invoice", "account.group_account_readonly"):
            accountant = self._create_user(f"lt_loss_{group}", group)
            self.assertFalse(accountant.has_group("stock.group_stock_user"))
            menu = self.env.ref("lot_tracking.menu_lot_tracking_expiry_loss_account")
            self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids())
            Loss = self.env["lot.tracking.expiry.loss"].with_user(accountant)
            groups = Loss.read_group(
                [("product_id", "=", self.cheese.id)], ["value:sum"], ["lot_name"]
            )
            self.assertEqual([(g["lot_name"], g["value"]) for g in groups], [(cheese.name, 30.59)])
            lines = Loss.search([("product_id", "=", self.cheese.id)])
            sheet = _sheet(self.env, lines.action_lot_tracking_export_xlsx())
            self.assertEqual(
                [cell.value for cell in sheet[2]][1:9],
                [
                    self.cheese.display_name,
                    cheese.name,
                    self.supplier.name,
                    "Expired",
                    "Expired on the shelf",
                    7,
                    self.cheese.uom_id.name,
                    30.59,
                ],
            )


@tagged("post_install", "-at_install")
class TestLotMargin(TestPoSCommon):
    """Honey at 24.99, valued by lot: CHEAP cost 10.00, DEAR 20.00. Sold: DEAR 2 and CHEAP 1
    in one order, DEAR 1 in another, DEAR 1 refunded. DEAR: 2 sold, 49.98 - 40.00 = 9.98;
    CHEAP: 24.99 - 10.00 = 14.99."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Honey", cls.categ_anglo, 24.99)
        cls.product.write({"tracking": "lot", "is_storable": True})
        stock = cls.company_data["default_warehouse"].lot_stock_id
        cls.lots = {}
        for name, cost in (("CHEAP", 10.0), ("DEAR", 20.0)):
            lot = cls.env["stock.lot"].create(
                {"name": name, "product_id": cls.product.id, "standard_price": cost}
            )
            cls.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": cls.product.id,
                    "location_id": stock.id,
                    "lot_id": lot.id,
                    "inventory_quantity": 5,
                }
            ).action_apply_inventory()
            cls.lots[name] = lot

    def _order(self, lot_quantities):
        data = self.create_ui_order_data([(self.product, qty) for __, qty in lot_quantities])
        for line, (lot_name, __) in zip(data["lines"], lot_quantities, strict=True):
            line[2]["pack_lot_ids"] = [[0, 0, {"lot_name": lot_name}]]
        self.env["pos.order"].sync_from_ui([data])

    def _by_lot(self):
        self.env.invalidate_all()
        groups = self.env["lot.tracking.lot.margin"].read_group(
            [("product_id", "=", self.product.id)],
            ["quantity:sum", "revenue:sum", "cost:sum", "margin:sum"],
            ["lot_id"],
        )
        return {
            self.env["stock.lot"].browse(g["lot_id"][0]).name: (
                g["quantity"],
                g["revenue"],
                g["cost"],
                g["margin"],
            )
            for g in groups
        }

    def test_margin_per_lot_before_and_after_closing(self):
        self.assertTrue(self.product.lot_valuated)
        self.open_new_session()
        self._order([("DEAR", 2), ("CHEAP", 1)])
        self._order([("DEAR", 1)])
        self._order([("DEAR", -1)])
        expected = {"DEAR": (2.0, 49.98, 40.0, 9.98), "CHEAP": (1.0, 24.99, 10.0, 14.99)}
        self.assertEqual(self._by_lot(), expected, "priced at each lot's own cost")
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._by_lot(), expected, "the session's cost of goods sold")
        lines = self.env["lot.tracking.lot.margin"].search([("product_id", "=", self.product.id)])
        self.assertEqual(len(lines), 4)
        self.assertEqual(set(lines.mapped("source")), {"pos"})
        self.assertEqual(
            set(lines.mapped("reference")), set(self.pos_session.order_ids.mapped("name"))
        )

    def test_accountant_exports_lot_margin(self):
        self.open_new_session()
        self._order([("CHEAP", 2)])
        accountant = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "lt_margin_accountant",
                "groups_id": [
                    (6, 0, [self.env.ref("account.group_account_readonly").id]),
                ],
            }
        )
        self.assertFalse(accountant.has_group("stock.group_stock_user"))
        Margin = self.env["lot.tracking.lot.margin"].with_user(accountant)
        lines = Margin.search([("product_id", "=", self.product.id)])
        self.assertEqual(
            lines.read(["lot_name", "revenue", "cost", "margin"])[0],
            {"id": lines.id, "lot_name": "CHEAP", "revenue": 49.98, "cost": 20.0, "margin": 29.98},
        )
        sheet = _sheet(self.env, lines.action_lot_tracking_export_xlsx())
        self.assertEqual(
            [cell.value for cell in sheet[2]][4:11],
            [self.product.display_name, "CHEAP", 2, self.product.uom_id.name, 49.98, 20, 29.98],
        )
