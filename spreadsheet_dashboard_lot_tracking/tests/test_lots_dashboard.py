import json

from odoo.tests import HttpCase, tagged
from odoo.tools import file_open

from odoo.addons.lot_tracking.tests.test_analytics import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestLotsDashboard(AnalyticsCommon, HttpCase):
    """The Lots dashboard of a company with two lots from Fresh Fields Foods:
    - FAST, honey: 100 received at 2.00, 60 sold over the 30-day window (2 a day), counted
      40 of 40; expires in 200 days;
    - STALE, cheese: 50 received at 4.00, nothing sold, counted 48 of 50; expires in 20 days:
      its 48 at 4.00 (192.00) will be left unsold.
    Nearing expiry: 48 of 88 units, 192.00 of 272.00; accuracy 1 of 2 counts; utilization of
    the category: mean of 60 % and 0 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("spreadsheet_dashboard_lot_tracking.spreadsheet_dashboard_lots")
        cls.viewer = cls._create_user("lt_dashboard", "stock.group_stock_manager")
        cls.viewer.password = "lt_dashboard"

    def _lots(self):
        honey = self._create_lot_product("Honey", False, expiration_time=365)
        fast = self._receive(honey, 100, price=2.0)
        stale = self._receive(self.cheese, 50, price=4.0)
        fast.name, stale.name = "LOTS-FAST", "LOTS-STALE"
        self._age(fast, 40, expires_in=200)
        self._age(stale, 40, expires_in=20)
        self._deliver(honey, fast, 60)
        self._count(fast, 40)
        self._count(stale, 48)
        return fast, stale

    def test_dashboard_shows_the_lots_figures(self):
        self._lots()
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            "spreadsheet_dashboard_lot_tracking_tour",
            login=self.viewer.login,
        )

    def test_published_for_stock_managers_in_logistics(self):
        self.assertEqual(
            self.dashboard.dashboard_group_id,
            self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_logistics"),
        )
        self.assertTrue(self.dashboard.is_published)
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.viewer).search([]))
        self.assertNotIn(self.dashboard, Dashboard.with_user(self.stock_user).search([]))

    def test_sample_until_there_is_a_lot(self):
        """With no lot the sample is shown; every model the dashboard reads exists, has the
        fields it reads and is readable by the dashboard's viewers."""
        Dashboard = self.dashboard.with_user(self.viewer)
        lots = self.env["stock.lot"].with_user(self.viewer).search_count([])
        self.assertEqual(Dashboard.get_readonly_dashboard().get("is_sample", False), not lots)
        self._lots()
        self.assertFalse(Dashboard.get_readonly_dashboard().get("is_sample"))
        with file_open(self.dashboard.sample_dashboard_file_path) as file:
            sample = json.load(file)
        self.assertFalse(sample["pivots"] or sample["lists"], "the sample reads no data")
        spreadsheet = json.loads(self.dashboard.spreadsheet_data)
        sources = [*spreadsheet["pivots"].values(), *spreadsheet["lists"].values()]
        self.assertEqual(len(sources), 9)
        for source in sources:
            Model = self.env[source["model"]].with_user(self.viewer)
            fields = [m["fieldName"] for m in source.get("measures", [])]
            fields += source.get("columns", []) + [r["fieldName"] for r in source.get("rows", [])]
            self.assertFalse(set(fields) - set(Model._fields), source["name"])
            Model.search_count(source["domain"])  # no access error

    def test_lists_are_ordered_as_odoo_reads_the_order(self):
        """A list's order is ``[{"name", "asc"}]`` (web's orderByToString): the best vendors
        come with the least written off, the worst with the most."""
        spreadsheet = json.loads(self.dashboard.spreadsheet_data)
        orders = {
            source["name"]: [(term["name"], term["asc"]) for term in source["orderBy"]]
            for source in spreadsheet["lists"].values()
            if all(set(term) == {"name", "asc"} for term in source["orderBy"])
        }
        self.assertEqual(len(orders), len(spreadsheet["lists"]), "every list readable")
        self.assertEqual(orders["Fastest lots"], [("sales_per_day", False)])
        self.assertEqual(orders["Best vendors"][0], ("write_off_value_pct", True))
        self.assertEqual(orders["Worst vendors"][0], ("write_off_value_pct", False))
