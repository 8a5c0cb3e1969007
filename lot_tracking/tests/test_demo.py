from datetime import timedelta
from unittest import SkipTest

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoStory(TransactionCase):
    """A new user opening the demo meets history on every lot figure: the database as the
    demo data installed it, its figures read through the reports a manager opens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env["ir.module.module"]._get("lot_tracking").demo:
            raise SkipTest("the lot_tracking demo data is not installed")
        cls.polder = cls.env.ref("lot_tracking.demo_supplier_polder")
        cls.fresh = cls.env.ref("lot_tracking.demo_supplier")
        cls.company = cls.env.ref("base.main_company")
        cls.today = fields.Date.today()
        # the whole story, even on a database installed some days ago
        cls.since = cls.today - timedelta(days=120)
        # Velocity, stagnation and nearing-expiry shares are live: a week after the demo was
        # played, its lots have aged past the figures it was written to show.
        played = cls.env.ref("lot_tracking.demo_product_honey").create_date.date()
        if (cls.today - played).days > 7:
            raise SkipTest(f"the demo was played on {played}: its live figures have aged")

    def _search(self, model, domain=()):
        return self.env[model].search([("company_id", "=", self.company.id), *domain])

    def test_lot_analysis_has_fastest_and_stagnating_lots(self):
        fastest = self._search(
            "lot.tracking.analysis", [("has_velocity", "=", True), ("sales_per_day", ">", 0)]
        )
        self.assertGreaterEqual(len(fastest), 3)
        self.assertTrue(all(row.qty_sold > 0 for row in fastest))
        stagnating = self._search("lot.tracking.analysis", [("is_stagnating", "=", True)])
        self.assertTrue(stagnating)
        self.assertTrue(all(row.has_velocity and row.qty_on_hand > 0 for row in stagnating))
        honey = self.env.ref("lot_tracking.demo_product_honey")
        self.assertIn(honey, stagnating.product_id, "the honey nobody buys")
        self.assertTrue(
            any(row.projected_unsold_value > 0 for row in stagnating),
            "a projected expiry loss",
        )

    def test_vendor_scorecard_has_a_best_and_a_worst_vendor(self):
        scores = self._search(
            "lot.tracking.vendor.score", [("partner_id", "in", (self.fresh | self.polder).ids)]
        )
        best = scores.filtered(lambda score: score.partner_id == self.fresh)
        worst = scores.filtered(lambda score: score.partner_id == self.polder)
        self.assertEqual((len(best), len(worst)), (1, 1))
        self.assertGreater(worst.lots_received, 1)
        self.assertGreater(best.shelf_life_at_receipt_pct, worst.shelf_life_at_receipt_pct)
        self.assertGreater(worst.short_dated_pct, 0)
        self.assertGreater(worst.write_off_value_pct, best.write_off_value_pct)
        self.assertGreater(best.on_time_rate, worst.on_time_rate)
        self.assertGreaterEqual(worst.on_time_rate, 0, "Polder has deliveries to rate")

    def test_stock_accuracy_is_neither_none_nor_perfect(self):
        accuracy = self.company._lot_tracking_stock_accuracy(self.since, self.today)
        self.assertGreater(accuracy["counts"], accuracy["accurate"])
        self.assertTrue(0 < accuracy["rate"] < 100, accuracy)
        counts = self._search("lot.tracking.stock.accuracy")
        self.assertGreaterEqual(len(counts.location_id), 2, "counted in two locations")

    def test_time_saved_at_the_till(self):
        shop = self.env.ref("point_of_sale.pos_config_bakery", raise_if_not_found=False)
        if not shop:
            self.skipTest("the Point of Sale demo data is not installed")
        saved = shop._lot_tracking_time_saved(self.since, self.today)
        self.assertGreater(saved["auto_lines"], 0)
        self.assertGreater(saved["manual_lines"], 0)
        self.assertGreater(saved["manual_ms_median"], saved["auto_ms_median"])
        self.assertGreater(saved["saved_ms_total"], 0)
        rows = self._search("lot.tracking.time.saved", [("config_id", "=", shop.id)])
        self.assertGreater(sum(rows.mapped("saved_seconds")), 0)
        self.assertGreater(len(rows), 1, "on several days")

    def test_lot_margin_of_till_sales(self):
        rows = self._search("lot.tracking.lot.margin")
        self.assertTrue(rows)
        self.assertGreater(sum(rows.mapped("revenue")), sum(rows.mapped("cost")))
        self.assertTrue(all(row.lot_id and row.cost > 0 for row in rows))

    def test_expiry_losses_of_expired_and_recalled_stock(self):
        losses = self._search("lot.tracking.expiry.loss")
        self.assertEqual(set(losses.mapped("cause")), {"expired", "recalled"})
        self.assertTrue(all(loss.value > 0 and loss.reason for loss in losses))

    def test_restock_forecast_suggests_an_order(self):
        orders = self._search("lot.tracking.restock.forecast", [("qty_to_order", ">", 0)])
        self.assertTrue(orders)
        self.assertTrue(all(row.vendor_id and row.daily_demand > 0 for row in orders))

    def test_expiry_kpis_live_and_history(self):
        live = self._search("lot.tracking.kpi")
        self.assertGreater(live.nearing_expiry_qty_pct, 0)
        self.assertGreater(live.nearing_expiry_value_pct, 0)
        history = self._search("lot.tracking.expiry.kpi")
        self.assertGreater(len(history), 10)
        self.assertGreater(
            (max(history.mapped("date")) - min(history.mapped("date"))).days, 60, "a trend"
        )
        self.assertTrue(any(row.quantity_expiring > 0 for row in history))

    def test_slow_mover_suggestions_say_why(self):
        suggestions = self._search("lot.tracking.suggestion", [("state", "=", "new")])
        self.assertEqual(set(suggestions.mapped("suggestion_type")), {"markdown", "return"})
        self.assertTrue(all(suggestion.reason for suggestion in suggestions))
        young = suggestions.filtered(
            lambda suggestion: suggestion.lot_id.receipt_date.date() == self.today
        )
        self.assertFalse(young, "no lot received today is judged")
