from odoo.tests import tagged

from .test_analytics import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestKpiReport(AnalyticsCommon):
    def _kpi(self, company=None):
        self.env.invalidate_all()
        return self.env["lot.tracking.kpi"].search(
            [("company_id", "=", (company or self.company).id)]
        )

    def test_nearing_expiry_as_report_columns(self):
        """Yogurt A: 10 at 3.00 expiring in 10 days; yogurt B: 30 at 1.00 in 100 days;
        cheese C: 10 at 5.00 expired yesterday. Within 30 days: 10 of 50 units (20 %) and
        30.00 of 110.00 (27.27 %), as the KPI method says."""
        lot_a = self._receive(self.yogurt, 10, price=3.0)
        lot_b = self._receive(self.yogurt, 30, price=1.0)
        lot_c = self._receive(self.cheese, 10, price=5.0)
        self._age(lot_a, 0, expires_in=10)
        self._age(lot_b, 0, expires_in=100)
        self._age(lot_c, 0, expires_in=-1)
        kpi = self._kpi()
        self.assertAlmostEqual(kpi.nearing_expiry_qty_pct, 20.0)
        self.assertAlmostEqual(kpi.nearing_expiry_value_pct, 3000 / 110)
        method = self.company._lot_tracking_nearing_expiry()
        self.assertAlmostEqual(kpi.nearing_expiry_qty_pct, method["qty_pct"])
        self.assertAlmostEqual(kpi.nearing_expiry_value_pct, method["value_pct"])
        self.company.lot_tracking_expiry_warning_days = 100
        self.assertAlmostEqual(self._kpi().nearing_expiry_qty_pct, 80.0)

    def test_one_row_per_company_and_none_of_others(self):
        other = self.setup_other_company()["company"]
        self.assertEqual(
            self._kpi(other).read(["nearing_expiry_qty_pct", "nearing_expiry_value_pct"])[0],
            {"id": other.id, "nearing_expiry_qty_pct": 0.0, "nearing_expiry_value_pct": 0.0},
        )
        Kpi = self.env["lot.tracking.kpi"].with_user(self.stock_user)
        self.assertEqual(Kpi.search([]).company_id, self.company)
