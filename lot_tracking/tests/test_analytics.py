import base64
import io
from datetime import timedelta

import openpyxl
from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged

from .common import LotTrackingCommon


class AnalyticsCommon(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"lot_tracking_velocity_days": 30, "lot_tracking_observation_days": 7})

    def _receive(self, product, qty, price=5.0, partner=None):
        """Receive ``qty`` of ``product`` from a supplier; return the new lot."""
        receipt = self._purchase([(product, qty, price)], partner=partner)
        self._validate(receipt)
        return receipt.move_line_ids.lot_id

    @staticmethod
    def _age(lot, days, expires_in=None):
        """Make ``lot`` first received ``days`` ago, expiring ``expires_in`` days from now."""
        now = fields.Datetime.now()
        vals = {"receipt_date": now - timedelta(days=days)}
        if expires_in is not None:
            vals["expiration_date"] = now + timedelta(days=expires_in)
        lot.write(vals)

    def _return(self, delivery, qty):
        """A customer brings back ``qty`` of what ``delivery`` shipped."""
        wizard = self.env["stock.return.picking"].create({"picking_id": delivery.id})
        wizard.product_return_moves.quantity = qty
        picking = wizard._create_return()
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                **move._prepare_move_line_vals(quantity=qty),
                "lot_id": delivery.move_line_ids.lot_id.id,
            }
        )
        return self._validate(picking)

    def _count(self, lot, counted, location=None):
        """Apply a physical count of ``lot`` (Physical Inventory, Apply)."""
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": lot.product_id.id,
                    "location_id": (location or self.stock_location).id,
                    "lot_id": lot.id,
                    "inventory_quantity": counted,
                }
            )
        )
        quant.action_apply_inventory()
        return quant

    def _row(self, lot):
        return self.env["lot.tracking.analysis"].search([("lot_id", "=", lot.id)])


@tagged("post_install", "-at_install")
class TestLotAnalysis(AnalyticsCommon):
    def test_quantities_of_a_lot(self):
        """Two-step receipt of 100 counted once; +5 inventory gain not received; 30 delivered,
        10 returned (sold 20); 5 scrapped; 80 on hand; utilization 20 %."""
        self.warehouse.reception_steps = "two_steps"
        receipt = self._purchase([(self.cheese, 100, 4.0)])
        self._validate(receipt)
        lot = receipt.move_line_ids.lot_id
        putaway = receipt.move_ids.move_dest_ids.picking_id
        self.assertEqual(putaway.location_dest_id, self.stock_location)
        self._validate(putaway)
        self.assertEqual(putaway.state, "done")
        self.assertEqual(putaway.move_line_ids.lot_id, lot)

        self._count(lot, 105)  # an inventory gain is not a receipt
        delivery = self._deliver(self.cheese, lot, 30)
        self._return(delivery, 10)
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.cheese.id,
                "lot_id": lot.id,
                "scrap_qty": 5,
                "location_id": self.stock_location.id,
            }
        )
        scrap.action_validate()

        row = self._row(lot)
        self.assertRecordValues(
            row,
            [
                {
                    "product_id": self.cheese.id,
                    "supplier_id": self.supplier.id,
                    "company_id": self.company.id,
                    "categ_id": self.cheese.categ_id.id,
                    "quality_state": "released",
                    "qty_received": 100.0,
                    "qty_sold": 20.0,
                    "qty_returned": 10.0,
                    "qty_scrapped": 5.0,
                    "qty_on_hand": 80.0,
                    "utilization": 20.0,
                    "days_in_stock": 0,
                    "has_velocity": False,
                    "sales_per_day": 0.0,
                    "projected_unsold_qty": 0.0,
                    "is_stagnating": False,
                }
            ],
        )

    def test_nothing_received_is_zero_utilization(self):
        lot = self.env["stock.lot"].create(
            {"name": "FOUND", "product_id": self.cheese.id, "company_id": self.company.id}
        )
        self._count(lot, 4)
        self.assertRecordValues(
            self._row(lot),
            [{"qty_received": 0.0, "qty_on_hand": 4.0, "utilization": 0.0, "days_in_stock": 0}],
        )

    def test_pace_and_first_expiry_first_projection(self):
        """Yogurt sells 30 in the 30-day window: 1 a day. Lot A (70 left, 20 days to expiry)
        sells 20 and leaves 50; lot B (50, 60 days) sells from day 20 to 60: 40, leaves 10.
        A young lot C of cheese, received today, has no pace and is not stagnating."""
        lot_a = self._receive(self.yogurt, 100)
        lot_b = self._receive(self.yogurt, 50)
        lot_c = self._receive(self.cheese, 10)
        self._age(lot_a, 40, expires_in=20)
        self._age(lot_b, 40, expires_in=60)
        self._age(lot_c, 0, expires_in=5)
        self._deliver(self.yogurt, lot_a, 30)
        fresh = self._receive(self.cheese, 8)  # old cheese sells well: still no pace for C
        self._age(fresh, 10, expires_in=100)
        self._deliver(self.cheese, fresh, 5)

        rows = self.env["lot.tracking.analysis"].search(
            [("lot_id", "in", (lot_a | lot_b | lot_c | fresh).ids)]
        )
        by_lot = {row.lot_id: row for row in rows}
        self.assertRecordValues(
            by_lot[lot_a],
            [
                {
                    "qty_on_hand": 70.0,
                    "days_in_stock": 40,
                    "has_velocity": True,
                    "sales_per_day": 1.0,
                    "days_of_cover": 70.0,
                    "days_to_expiry": 20,
                    "projected_unsold_qty": 50.0,
                    "projected_unsold_value": 250.0,
                    "is_stagnating": True,
                }
            ],
        )
        self.assertRecordValues(
            by_lot[lot_b],
            [
                {
                    "sales_per_day": 0.0,
                    "days_to_expiry": 60,
                    "projected_unsold_qty": 10.0,
                    "is_stagnating": True,
                }
            ],
        )
        self.assertRecordValues(
            by_lot[lot_c],
            [
                {
                    "days_in_stock": 0,
                    "has_velocity": False,
                    "sales_per_day": 0.0,
                    "days_to_expiry": 5,
                    "projected_unsold_qty": 0.0,
                    "is_stagnating": False,
                }
            ],
        )
        # 10 days in stock (< 30-day window): 5 sold over 10 days; 3 left last 6 days.
        self.assertRecordValues(
            by_lot[fresh],
            [
                {
                    "days_in_stock": 10,
                    "sales_per_day": 0.5,
                    "days_of_cover": 6.0,
                    "projected_unsold_qty": 0.0,
                    "is_stagnating": False,
                }
            ],
        )
        Analysis = self.env["lot.tracking.analysis"]
        scope = [("lot_id", "in", rows.lot_id.ids)]
        self.assertEqual(
            Analysis.search([*scope, ("is_stagnating", "=", True)]).lot_id, lot_a | lot_b
        )
        fastest = Analysis.search([*scope, ("has_velocity", "=", True), ("sales_per_day", ">", 0)])
        self.assertEqual(fastest.lot_id.ids, [lot_a.id, fresh.id], "fastest first")

    def test_observation_window_decides_when_a_lot_has_a_pace(self):
        lot = self._receive(self.yogurt, 10)
        self._age(lot, 6, expires_in=2)
        row = self._row(lot)
        self.assertFalse(row.has_velocity)
        self.assertFalse(row.is_stagnating, "6 days < a 7-day window: not judged yet")
        self.assertEqual(row.projected_unsold_qty, 0.0)
        self._age(lot, 7, expires_in=2)
        self.env.invalidate_all()
        row = self._row(lot)
        self.assertTrue(row.has_velocity)
        self.assertTrue(row.is_stagnating, "7 days without a sale")
        self.assertEqual(row.projected_unsold_qty, 10.0)

    def test_pivot_by_category(self):
        lot = self._receive(self.yogurt, 10)
        self._deliver(self.yogurt, lot, 4)
        groups = self.env["lot.tracking.analysis"].read_group(
            [("lot_id", "=", lot.id)], ["qty_sold:sum", "qty_on_hand:sum"], ["categ_id"]
        )
        self.assertEqual(
            [(g["categ_id"][0], g["qty_sold"], g["qty_on_hand"]) for g in groups],
            [(self.yogurt.categ_id.id, 4.0, 6.0)],
        )

    def test_other_company_lots_are_hidden(self):
        lot = self._receive(self.yogurt, 10)
        other = self.setup_other_company()["company"]
        user = self._create_user("lt_other", "stock.group_stock_user")
        user.write({"company_ids": [Command.set(other.ids)], "company_id": other.id})
        Analysis = self.env["lot.tracking.analysis"]
        self.assertTrue(Analysis.with_user(self.stock_user).search([("lot_id", "=", lot.id)]))
        self.assertFalse(Analysis.with_user(user).search([("lot_id", "=", lot.id)]))


@tagged("post_install", "-at_install")
class TestLotAnalysisQueryCount(AnalyticsCommon):
    """Reading the analysis costs the same queries for one lot and for many."""

    def _lots(self, count):
        product = self._create_lot_product(f"Counted {count}", False)
        lots = self.env["stock.lot"].create(
            [
                {"name": f"A{count}-{i}", "product_id": product.id, "company_id": self.company.id}
                for i in range(count)
            ]
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(
                product, self.stock_location, 3, lot_id=lot
            )
        return product

    def _read(self, product):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["lot.tracking.analysis"].search_read(
            [("product_id", "=", product.id)],
            ["lot_id", "product_id", "qty_on_hand", "sales_per_day", "projected_unsold_qty"],
        )

    def test_same_queries_for_1_and_100_lots(self):
        one, many = self._lots(1), self._lots(100)
        self._read(one)  # warm caches
        before = self.env.cr.sql_log_count
        self.assertEqual(len(self._read(one)), 1)
        queries = self.env.cr.sql_log_count - before
        with self.assertQueryCount(queries):
            rows = self._read(many)
        self.assertEqual(len(rows), 100)
        self.assertEqual({row["qty_on_hand"] for row in rows}, {3.0})


@tagged("post_install", "-at_install")
class TestStockAccuracy(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls.env["stock.lot"].create(
            {"name": "COUNT-1", "product_id": cls.cheese.id, "company_id": cls.company.id}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.cheese, cls.stock_location, 10, lot_id=cls.lot
        )

    def _counts(self):
        events = (
            self.env["lot.tracking.event"]
            .sudo()
            .search([("lot_id", "=", self.lot.id), ("event_type", "=", "counted")], order="id")
        )
        return [(event.quantity, event.system_quantity) for event in events]

    def _accuracy(self, date_from=None, date_to=None):
        today = fields.Date.today()
        return self.company._lot_tracking_stock_accuracy(date_from or today, date_to or today)

    def test_three_counts_two_within_tolerance(self):
        """Tolerance 1: differences 0, 1 and 3 -> 2 accurate of 3 = 66.67 %."""
        self.company.lot_tracking_count_tolerance = 1
        self._count(self.lot, 10)
        self._count(self.lot, 11)
        self._count(self.lot, 8)
        self.assertEqual(self._counts(), [(10.0, 10.0), (11.0, 10.0), (8.0, 11.0)])
        result = self._accuracy()
        self.assertEqual((result["counts"], result["accurate"]), (3, 2))
        self.assertAlmostEqual(result["rate"], 200 / 3)
        self.company.lot_tracking_count_tolerance = 0
        self.assertEqual(self._accuracy(), {"counts": 3, "accurate": 1, "rate": 100 / 3})

    def test_set_and_apply_records_a_zero_difference(self):
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", self.lot.id), ("location_id", "=", self.stock_location.id)]
        )
        quant.with_context(inventory_mode=True).action_set_inventory_quantity()
        quant.with_context(inventory_mode=True).action_apply_inventory()
        self.assertEqual(self._counts(), [(10.0, 10.0)])
        self.assertEqual(self._accuracy(), {"counts": 1, "accurate": 1, "rate": 100.0})

    def test_quantity_set_on_hand_is_a_count(self):
        """Typing the on-hand quantity (inventory mode) applies it at once: a count too."""
        quant = self.env["stock.quant"].search([("lot_id", "=", self.lot.id)])
        quant.with_context(inventory_mode=True).inventory_quantity_auto_apply = 7
        self.assertEqual(quant.quantity, 7)
        self.assertEqual(self._counts(), [(7.0, 10.0)])

    def test_one_event_per_quant_in_one_apply(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock_location.id, "usage": "internal"}
        )
        untracked = self.env["product.product"].create({"name": "Salt", "is_storable": True})
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": self.cheese.id,
                    "lot_id": self.lot.id,
                    "location_id": location.id,
                    "inventory_quantity": qty,
                }
                for location, qty in ((self.stock_location, 9), (shelf, 2))
            ]
        ) | Quant.create(
            {
                "product_id": untracked.id,
                "location_id": self.stock_location.id,
                "inventory_quantity": 5,
            }
        )
        quants.action_apply_inventory()
        self.assertEqual(sorted(self._counts()), [(2.0, 0.0), (9.0, 10.0)])
        self.assertEqual(self._accuracy()["counts"], 2, "the product without lots is not counted")

    def test_count_of_a_shared_lot_belongs_to_the_quant_company(self):
        lot = self._receive(self.yogurt, 5)
        self.assertFalse(lot.company_id)
        self._count(lot, 5)
        self.assertEqual(self._accuracy(), {"counts": 1, "accurate": 1, "rate": 100.0})
        self.assertFalse(lot.company_id)

    def test_period_and_company(self):
        self.assertEqual(self._accuracy(), {"counts": 0, "accurate": 0, "rate": False})
        self._count(self.lot, 10)
        yesterday = fields.Date.today() - timedelta(days=1)
        self.assertEqual(self._accuracy(yesterday, yesterday)["counts"], 0)
        self.assertEqual(self._accuracy(yesterday, fields.Datetime.now())["counts"], 1)
        other = self.setup_other_company()["company"]
        today = fields.Date.today()
        self.assertEqual(other._lot_tracking_stock_accuracy(today, today)["rate"], False)


@tagged("post_install", "-at_install")
class TestNearingExpiry(AnalyticsCommon):
    def test_share_of_stock_nearing_expiry(self):
        """Yogurt A: 10 at 3.00 expiring in 10 days; yogurt B: 30 at 1.00 in 100 days;
        cheese C: 10 at 5.00 expired yesterday. Within 30 days: 10 of 50 units (20 %) and
        30.00 of 110.00 (27.27 %)."""
        self.assertTrue(self.yogurt.lot_valuated)
        lot_a = self._receive(self.yogurt, 10, price=3.0)
        lot_b = self._receive(self.yogurt, 30, price=1.0)
        lot_c = self._receive(self.cheese, 10, price=5.0)
        self._age(lot_a, 0, expires_in=10)
        self._age(lot_b, 0, expires_in=100)
        self._age(lot_c, 0, expires_in=-1)
        result = self.company._lot_tracking_nearing_expiry()
        self.assertEqual(set(result), {"qty_pct", "value_pct"})
        self.assertAlmostEqual(result["qty_pct"], 20.0)
        self.assertAlmostEqual(result["value_pct"], 3000 / 110)
        self.assertEqual(
            self.company._lot_tracking_nearing_expiry(window_days=5),
            {"qty_pct": 0.0, "value_pct": 0.0},
        )
        result = self.company._lot_tracking_nearing_expiry(window_days=100)
        self.assertAlmostEqual(result["qty_pct"], 80.0)
        self.company.lot_tracking_expiry_warning_days = 5
        self.assertEqual(self.company._lot_tracking_nearing_expiry()["qty_pct"], 0.0)

    def test_no_stock(self):
        other = self.setup_other_company()["company"]
        self.assertEqual(other._lot_tracking_nearing_expiry(), {"qty_pct": 0.0, "value_pct": 0.0})


@tagged("post_install", "-at_install")
class TestVendorScore(AnalyticsCommon):
    def test_scorecard_of_a_vendor(self):
        """Three lots from Fresh Fields Foods:
        - powder (100-day shelf life, 120 required at receipt): quarantined at receipt, 40 of
          its 100 days left -> 40 %; bought 10 x 2.00;
        - cheese produced 20 days before receipt, expiring 80 days after -> 80 of 100 = 80 %;
          bought 10 x 4.00, blocked then released, 5 delivered, the 5 left written off (20.00);
        - salt without expiry (not in the shelf-life mean); bought 10 x 1.00, recalled.
        Shelf life 60 %, short-dated 1 of 3 = 33.3 %, written off 20.00 of 70.00 = 28.6 %."""
        powder = self._create_lot_product(
            "Milk Powder", False, expiration_time=100, receipt_min_shelf_life_days=120
        )
        salt = self._create_lot_product("Salt", False, use_expiration_date=False)
        lot_powder = self._receive(powder, 10, price=2.0)
        lot_cheese = self._receive(self.cheese, 10, price=4.0)
        lot_salt = self._receive(salt, 10, price=1.0)
        self.assertEqual(lot_powder.quality_state, "quarantine")
        self.assertFalse(lot_salt.expiration_date)
        received = lot_cheese.receipt_date
        lot_powder.expiration_date = lot_powder.receipt_date + timedelta(days=40)
        lot_cheese.write(
            {
                "production_date": (received - timedelta(days=20)).date(),
                "expiration_date": received + timedelta(days=80),
            }
        )
        lot_cheese._lot_tracking_set_quality_state("blocked")
        lot_cheese._lot_tracking_set_quality_state("released")
        self._deliver(self.cheese, lot_cheese, 5)
        self.company.lot_tracking_expiry_loss_account_id = self.company_data[
            "default_account_expense"
        ]
        lot_cheese.action_lot_tracking_write_off(reason="Expired")
        lot_salt._lot_tracking_set_quality_state("recalled")
        other = self.env["res.partner"].create({"name": "Other Dairy"})
        self._receive(self.yogurt, 5, partner=other)

        scores = self.env["lot.tracking.vendor.score"].search(
            [("partner_id", "in", (self.supplier | other).ids)]
        )
        by_partner = {score.partner_id: score for score in scores}
        score = by_partner[self.supplier]
        self.assertRecordValues(
            score,
            [
                {
                    "company_id": self.company.id,
                    "lots_received": 3,
                    "blocked_lots": 1,
                    "recalled_lots": 1,
                    "purchased_value": 70.0,
                    "write_off_value": 20.0,
                }
            ],
        )
        self.assertAlmostEqual(score.shelf_life_at_receipt_pct, 60.0)
        self.assertAlmostEqual(score.short_dated_pct, 100 / 3)
        self.assertAlmostEqual(score.write_off_value_pct, 2000 / 70)
        self.assertEqual(score.on_time_rate, self.supplier.on_time_rate)
        self.assertRecordValues(
            by_partner[other],
            [
                {
                    "lots_received": 1,
                    "shelf_life_at_receipt_pct": 100.0,
                    "short_dated_pct": 0.0,
                    "blocked_lots": 0,
                    "recalled_lots": 0,
                    "write_off_value_pct": 0.0,
                }
            ],
        )
        # The vendor form's smart button
        self.assertEqual(self.supplier.lot_tracking_lots_received, 3)
        action = self.supplier.action_lot_tracking_vendor_score()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), score)


@tagged("post_install", "-at_install")
class TestValuationForAccountants(AnalyticsCommon):
    """Lot Valuation in Invoicing > Reporting, for accountants without any stock right."""

    def test_accountant_reads_and_exports_lot_valuation(self):
        lot = self._receive(self.cheese, 4, price=7.0)
        for group in ("account.group_account_invoice", "account.group_account_readonly"):
            accountant = self._create_user(f"lt_{group}", group)
            self.assertFalse(accountant.has_group("stock.group_stock_user"))
            menu = self.env.ref("lot_tracking.menu_lot_tracking_valuation_account")
            Menu = self.env["ir.ui.menu"].with_user(accountant)
            self.assertIn(menu.id, Menu._visible_menu_ids())
            Report = self.env["lot.tracking.valuation.report"].with_user(accountant)
            views = Report.get_views([(False, "list"), (False, "search")])
            arch = etree.fromstring(views["views"]["list"]["arch"])
            shown = arch.xpath("//field/@name")
            self.assertIn("lot_name", shown)
            self.assertNotIn("lot_id", shown)
            spec = {name: {} for name in shown if name in Report._fields}
            spec.update(product_id={"fields": {"display_name": {}}})
            rows = Report.web_search_read([("product_id", "=", self.cheese.id)], spec)["records"]
            self.assertEqual(
                [(r["lot_name"], r["quantity"], r["value"]) for r in rows], [(lot.name, 4, 28.0)]
            )
            action = Report.search([("lot_name", "=", lot.name)]).action_lot_tracking_export_xlsx()
            attachment = self.env["ir.attachment"].browse(
                int(action["url"].split("/")[3].split("?")[0])
            )
            sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
            self.assertEqual(sheet["B2"].value, lot.name)
            self.assertEqual(sheet["H2"].value, 28.0)
