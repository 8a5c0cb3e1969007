from datetime import timedelta
from uuid import uuid4

from odoo import Command, fields
from odoo.tests import tagged

from .test_analytics import AnalyticsCommon
from .test_pos import PosLotTrackingCommon


@tagged("post_install", "-at_install")
class TestTimeSavedReport(PosLotTrackingCommon):
    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sell(self, lines):
        """Sync a paid order of ``[(auto-selected, selection ms), …]``, one yogurt each."""
        data = self.create_ui_order_data(
            [
                {
                    "product": self.yogurt,
                    "quantity": 1,
                    "lot_auto_selected": auto,
                    "lot_selection_ms": ms,
                }
                for auto, ms in lines
            ]
        )
        for line in data["lines"]:
            line[2]["pack_lot_ids"] = [Command.create({"lot_name": "Y-LATE"})]
        data.update(state="paid", access_token=str(uuid4()))
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _rows(self):
        self.env.invalidate_all()
        return self.env["lot.tracking.time.saved"].search(
            [("company_id", "=", self.company.id)], order="date, config_id"
        )

    def test_seconds_saved_per_day_and_per_till(self):
        """Till 1 over its history: automatic 100, 300, 200, 500 (today) and 400 (yesterday):
        median 300 ms; by hand 2000, 4000, 3000, 5000: median 3500 ms. 3.2 s saved on each
        automatic line: 12.8 s today (4 lines), 3.2 s yesterday. Till 2 has no line picked by
        hand: the company's 3500 ms are its reference, its one automatic line of 1000 ms saved
        2.5 s."""
        self._sell([(True, 100), (True, 300)])
        self._sell([(False, 2000), (False, 4000)])
        self._sell([(True, 200), (True, 500), (False, 3000), (False, 5000), (False, 0)])
        old = self._sell([(True, 400)])
        old.date_order = fields.Datetime.now() - timedelta(days=1)
        till_1 = self.config
        journal = self.env["account.journal"].create(
            {"name": "Till 2 Cash", "type": "cash", "code": "LTC2", "company_id": self.company.id}
        )
        cash = self.env["pos.payment.method"].create(
            {"name": "Till 2 Cash", "journal_id": journal.id}
        )
        till_2 = self.config.copy(
            {
                "name": "Till 2",
                "payment_method_ids": [
                    Command.set(
                        (
                            self.config.payment_method_ids.filtered(lambda m: not m.is_cash_count)
                            | cash
                        ).ids
                    )
                ],
            }
        )
        self.config = till_2
        self.open_new_session()
        self._sell([(True, 1000)])

        today = fields.Date.today()
        yesterday = today - timedelta(days=1)
        self.assertRecordValues(
            self._rows(),
            [
                {
                    "date": yesterday,
                    "config_id": till_1.id,
                    "transactions": 1,
                    "auto_lines": 1,
                    "manual_lines": 0,
                    "auto_ms_median": 400.0,
                    "manual_ms_median": 0.0,
                    "saved_ms_per_line": 3200.0,
                    "saved_seconds": 3.2,
                },
                {
                    "date": today,
                    "config_id": till_1.id,
                    "transactions": 3,
                    "auto_lines": 4,
                    "manual_lines": 4,
                    "auto_ms_median": 250.0,
                    "manual_ms_median": 3500.0,
                    "saved_ms_per_line": 3200.0,
                    "saved_seconds": 12.8,
                },
                {
                    "date": today,
                    "config_id": till_2.id,
                    "transactions": 1,
                    "auto_lines": 1,
                    "manual_lines": 0,
                    "auto_ms_median": 1000.0,
                    "manual_ms_median": 0.0,
                    "saved_ms_per_line": 2500.0,
                    "saved_seconds": 2.5,
                },
            ],
        )
        # A till's days add up to the KPI over its whole history
        [group] = self.env["lot.tracking.time.saved"].read_group(
            [("config_id", "=", till_1.id)], ["saved_seconds:sum", "auto_lines:sum"], []
        )
        kpi = till_1._lot_tracking_time_saved(yesterday, today)
        self.assertAlmostEqual(group["saved_seconds"] * 1000, kpi["saved_ms_total"])
        self.assertEqual(group["auto_lines"], kpi["auto_lines"])

    def test_in_point_of_sale_reporting(self):
        menu = self.env.ref("lot_tracking.menu_lot_tracking_time_saved")
        self.assertEqual(menu.parent_id, self.env.ref("point_of_sale.menu_point_rep"))
        self.assertFalse(self._rows())


@tagged("post_install", "-at_install")
class TestStockAccuracyReport(AnalyticsCommon):
    """Tolerance 1. Cheese (cost 4.37) counted three times in WH/Stock: 10 of 10, 11 of 10,
    8 of 11: two accurate of three (66.7 %), differences 0, +1, -3 = -2 units = -8.74. Yogurt
    (cost 1.25) counted 2 on a shelf that had none: inaccurate, +2.50. Overall 2 of 4: 50 %."""

    def test_accuracy_by_location_product_and_category(self):
        self.company.lot_tracking_count_tolerance = 1
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock_location.id, "usage": "internal"}
        )
        cheese = self._receive(self.cheese, 10, price=4.37)
        yogurt = self._receive(self.yogurt, 5, price=1.25)
        # the company's own lots (the KPI method files counts under the lot's company)
        (cheese | yogurt).company_id = self.company
        for counted in (10, 11, 8):
            self._count(cheese, counted)
        self._count(yogurt, 2, location=shelf)
        events = (
            self.env["lot.tracking.event"]
            .sudo()
            .search([("event_type", "=", "counted"), ("lot_id", "in", (cheese | yogurt).ids)])
        )
        self.assertEqual(
            sorted(events.mapped(lambda e: (e.location_id.id, e.quantity))),
            sorted([(self.stock_location.id, q) for q in (10, 11, 8)] + [(shelf.id, 2)]),
        )

        Accuracy = self.env["lot.tracking.stock.accuracy"]
        scope = [("lot_id", "in", (cheese | yogurt).ids)]
        measures = ["counts:sum", "accurate_counts:sum", "accuracy_rate:avg"]
        values = ["difference_qty:sum", "difference_value:sum", "abs_difference_value:sum"]

        def figures(groupby):
            return {
                g[groupby][0] if g[groupby] else False: (
                    g["counts"],
                    g["accurate_counts"],
                    round(g["accuracy_rate"], 2),
                    g["difference_qty"],
                    round(g["difference_value"], 2),
                    round(g["abs_difference_value"], 2),
                )
                for g in Accuracy.read_group(scope, measures + values, [groupby])
            }

        self.assertEqual(
            figures("location_id"),
            {
                self.stock_location.id: (3, 2, 66.67, -2.0, -8.74, 17.48),
                shelf.id: (1, 0, 0.0, 2.0, 2.5, 2.5),
            },
        )
        self.assertEqual(
            figures("product_id"),
            {
                self.cheese.id: (3, 2, 66.67, -2.0, -8.74, 17.48),
                self.yogurt.id: (1, 0, 0.0, 2.0, 2.5, 2.5),
            },
        )
        self.assertEqual(
            figures("categ_id"), {self.cheese.categ_id.id: (4, 2, 50.0, 0.0, -6.24, 19.98)}
        )
        today = fields.Date.today()
        self.assertEqual(
            self.company._lot_tracking_stock_accuracy(today, today),
            {"counts": 4, "accurate": 2, "rate": 50.0},
        )
        self.company.lot_tracking_count_tolerance = 0
        self.env.invalidate_all()
        self.assertEqual(figures("location_id")[self.stock_location.id][:3], (3, 1, 33.33))
