from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.osv import expression
from odoo.tests import tagged

from .common import LotTrackingCommon


def expiry_digests(companies):
    """The expiry digests of ``companies`` (a demo database has its own in the mail queue)."""
    of_companies = expression.OR(
        [[("subject", "=like", f"{company.name}: %")] for company in companies]
    )
    return companies.env["mail.mail"].search(
        expression.AND([[("subject", "like", "nearing expiry")], of_companies])
    )


@tagged("post_install", "-at_install")
class TestExpiryCron(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("product_expiry.mail_activity_type_alert_date_reached").default_user_id = False
        cls.manager.email = "quality@example.com"
        cls.stock_user.email = "picker@example.com"
        cls.company.lot_tracking_expiry_warning_days = 30
        cls.pill = cls._create_lot_product("Pill", "2000000000077", alert_time=5)
        now = fields.Datetime.now()
        specs = {
            "due": (cls.yogurt, 10, 4),
            "later": (cls.yogurt, 100, 4),
            "no_stock": (cls.yogurt, 10, 0),
            "expired": (cls.cheese, -1, 2),
            "own_window_not_yet": (cls.pill, 10, 3),
            "own_window_due": (cls.pill, 3, 3),
        }
        cls.lots = {}
        for name, (product, days, qty) in specs.items():
            lot = cls.env["stock.lot"].create(
                {
                    "name": name,
                    "product_id": product.id,
                    "company_id": cls.company.id,
                    "expiration_date": now + timedelta(days=days),
                }
            )
            if qty:
                cls.env["stock.quant"]._update_available_quantity(
                    product, cls.stock_location, qty, lot_id=lot
                )
            cls.lots[name] = lot
        # stock of a product without lots is not part of the lot KPIs' basis
        cls.loose = cls.env["product.product"].create({"name": "Loose Nails", "is_storable": True})
        cls.env["stock.quant"]._update_available_quantity(cls.loose, cls.stock_location, 50)

    def _alerted(self):
        activity_type = self.env.ref("product_expiry.mail_activity_type_alert_date_reached")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "stock.lot"), ("activity_type_id", "=", activity_type.id)]
        )
        names = [self.env["stock.lot"].browse(a.res_id).name for a in activities]
        return sorted(n for n in names if n in self.lots)

    def _events(self, event_type):
        events = self.env["lot.tracking.event"].search(
            [
                ("event_type", "=", event_type),
                ("lot_id", "in", [lot.id for lot in self.lots.values()]),
            ]
        )
        return sorted(events.lot_id.mapped("name"))

    def _digests(self):
        return expiry_digests(self.company)

    def test_one_alert_one_event_and_one_digest_over_two_runs(self):
        Lot = self.env["stock.lot"]
        Lot._cron_lot_tracking_expiry()
        Lot._cron_lot_tracking_expiry()
        due = ["due", "expired", "own_window_due"]
        self.assertEqual(self._alerted(), due)
        self.assertEqual(self._events("alert"), due)
        self.assertEqual(self._events("expired"), ["expired"])
        alert = self.lots["due"].event_ids.filtered(lambda e: e.event_type == "alert")
        self.assertEqual(alert.quantity, 4)
        expired = self.lots["expired"].event_ids.filtered(lambda e: e.event_type == "expired")
        self.assertEqual(expired.quantity, 2, "the stock that expired, not 0")
        digest = self._digests()
        self.assertEqual(len(digest), 1, "one digest for the run that found lots, none after")
        self.assertIn(self.manager.partner_id, digest.recipient_ids)
        self.assertNotIn(self.stock_user.partner_id, digest.recipient_ids, "managers only")
        body = digest.body_html
        for fact in ("due", "own_window_due", "Yogurt", self.stock_location.display_name, "4.0"):
            self.assertIn(fact, body)
        self.assertNotIn(">later<", body)
        kpi = self.env["lot.tracking.expiry.kpi"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(kpi), 2)
        # lot stock 4 + 4 + 2 + 3 + 3 = 16 (not the 50 loose nails); in the window: due 4,
        # expired 2, own_window_due 3
        self.assertEqual((kpi[0].quantity_on_hand, kpi[0].quantity_expiring), (16, 9))
        self.assertEqual(kpi[0].quantity_expiring_percent, 56.25)

    def test_core_scheduler_alerts_each_lot_once_then_the_cron_adds_none(self):
        # The stock scheduler runs core's alert pass: it is ours, window included.
        self.env["procurement.group"].run_scheduler()
        due = ["due", "expired", "own_window_due"]
        self.assertEqual(self._alerted(), due)
        self.assertEqual(self._events("alert"), due)
        self.assertEqual(len(self._digests()), 1)
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        self.env["stock.lot"]._alert_date_exceeded()
        self.assertEqual(self._alerted(), due)
        self.assertEqual(self._events("alert"), due)
        self.assertEqual(len(self._digests()), 1)

    def test_alert_activity_is_assigned_as_core_assigns_it(self):
        activity_type = self.env.ref("product_expiry.mail_activity_type_alert_date_reached")
        self.yogurt.responsible_id = self.manager
        self.env["stock.lot"]._alert_date_exceeded()
        activity = self.lots["due"].activity_ids
        self.assertRecordValues(
            activity,
            [
                {
                    "activity_type_id": activity_type.id,
                    "user_id": self.manager.id,
                    "automated": True,
                    "date_deadline": fields.Date.today(),
                }
            ],
        )
        self.assertTrue(self.lots["due"].product_expiry_reminded)
        activity_type.default_user_id = self.stock_user
        self.lots["own_window_not_yet"].alert_date = fields.Datetime.now()
        self.env["stock.lot"]._alert_date_exceeded()
        self.assertEqual(self.lots["own_window_not_yet"].activity_ids.user_id, self.stock_user)

    def test_alert_date_later_today_is_reached_as_in_core(self):
        """Core reaches an alert date on its day (``alert_date <= today``: until the day's
        last second), so the batched pass does too (SPEC §4: core's alert_date rule wins);
        an alert date tomorrow is not reached yet."""
        morning = datetime.combine(fields.Date.today(), time(8, 0))
        later_today = self.lots["own_window_not_yet"]
        tomorrow = self._stock_lot(self.pill, "tomorrow", 2, days=10)
        with freeze_time(morning):
            later_today.alert_date = morning.replace(hour=20)
            tomorrow.alert_date = morning.replace(hour=0) + timedelta(days=1)
            lots = later_today | tomorrow
            self.assertEqual(
                lots.search([("id", "in", lots.ids), ("alert_date", "<=", fields.Date.today())]),
                later_today,
                "core's own condition",
            )
            self.env["stock.lot"]._alert_date_exceeded()
            self.assertEqual(lots.filtered("product_expiry_reminded"), later_today)
            self.assertEqual(lots.activity_ids.res_id, later_today.id)

    def test_digest_is_rendered_from_its_qweb_template(self):
        template = self.env.ref("lot_tracking.mail_expiry_digest")
        template.arch = template.arch.replace(
            "<thead>", "<caption>Check the lots before the weekend</caption><thead>"
        )
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        body = self._digests().body_html
        self.assertIn("Check the lots before the weekend", body)
        self.assertIn(self.company.name, body)

    def test_automatic_write_off_of_expired_lots(self):
        self.company.lot_tracking_auto_write_off = True
        self.company.lot_tracking_expiry_loss_account_id = self.env["account.account"].create(
            {"name": "Expiry losses", "code": "LTEXP", "account_type": "expense"}
        )
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        expired = self.lots["expired"]
        self.assertEqual(expired.product_qty, 0)
        self.assertEqual(self._events("written_off"), ["expired"])
        self.assertEqual(self.lots["due"].product_qty, 4)


@tagged("post_install", "-at_install")
class TestExpiryCronQueryCount(LotTrackingCommon):
    def _make_due_lots(self, count, prefix):
        # due by core's rule too (alert date reached), so core's loop can be compared
        product = self._create_lot_product(prefix, False, alert_time=10)
        expiry = fields.Datetime.now() + timedelta(days=5)
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"{prefix}-{i}",
                    "product_id": product.id,
                    "company_id": self.company.id,
                    "expiration_date": expiry,
                }
                for i in range(count)
            ]
        )
        self.env["stock.quant"].create(
            [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "location_id": self.stock_location.id,
                    "quantity": 1,
                }
                for lot in lots
            ]
        )
        return lots

    def _queries(self, lots, method="_cron_lot_tracking_expiry"):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        getattr(self.env["stock.lot"], method)()
        self.env.flush_all()
        self.assertTrue(all(lots.mapped("product_expiry_reminded")))
        return self.env.cr.sql_log_count - before

    def test_cron_queries_do_not_grow_per_lot(self):
        self._queries(self._make_due_lots(3, "W"))  # warm-up
        few = self._queries(self._make_due_lots(10, "F"))
        many = self._queries(self._make_due_lots(1000, "M"))
        # Only the ORM's batched statements grow: INSERT/UPDATE of activities, events and lots
        # go 100 rows at a time (~6 statements per 100 lots here); a query per lot would add
        # at least 990.
        self.assertLess(many - few, 100, f"10 lots: {few} queries, 1000 lots: {many}")

    def test_core_alert_pass_is_batched(self):
        """The stock scheduler's `_alert_date_exceeded` costs the same at 10 and 100 lots
        (core's own loop: ~10 queries per lot)."""
        self._queries(self._make_due_lots(3, "W"), "_alert_date_exceeded")  # warm-up
        few = self._queries(self._make_due_lots(10, "F"), "_alert_date_exceeded")
        many = self._queries(self._make_due_lots(100, "M"), "_alert_date_exceeded")
        self.assertLessEqual(many - few, 0, f"10 lots: {few} queries, 100 lots: {many}")


@tagged("post_install", "-at_install")
class TestExpiryCompanies(LotTrackingCommon):
    """Each company's run touches its own stock only, and one company's failure stops no
    other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        warehouse_2 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_2.id)])
        warehouse_2.code = "WH2"  # both warehouses would be "compa"
        cls.stock_2 = warehouse_2.lot_stock_id
        cls.manager.email = "quality@example.com"
        cls.env.user.company_ids |= cls.company_2
        cls.yogurt.company_id = False  # a product, and lots, shared by both companies
        now = fields.Datetime.now()
        cls.shared = cls.env["stock.lot"].create(
            {
                "name": "SHARED-EXPIRED",
                "product_id": cls.yogurt.id,
                "company_id": False,
                "expiration_date": now - timedelta(days=1),
            }
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.yogurt, cls.stock_location, 2, lot_id=cls.shared)
        Quant._update_available_quantity(cls.yogurt, cls.stock_2, 3, lot_id=cls.shared)
        cls.company.lot_tracking_auto_write_off = True
        cls.company.lot_tracking_expiry_loss_account_id = cls._account(cls.company)

    @classmethod
    def _account(cls, company, code="LTEXP", account_type="expense"):
        return (
            cls.env["account.account"]
            .with_company(company)
            .create({"name": code, "code": code, "account_type": account_type})
        )

    def _quantity(self, lot, location):
        return self.env["stock.quant"]._get_available_quantity(
            lot.product_id, location, lot_id=lot, strict=True
        )

    def test_write_off_scraps_only_the_stock_of_the_company_being_run(self):
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        self.assertEqual(self._quantity(self.shared, self.stock_location), 0)
        self.assertEqual(self._quantity(self.shared, self.stock_2), 3, "company 2's stock stays")
        scraps = self.env["stock.scrap"].search([("lot_id", "=", self.shared.id)])
        self.assertEqual(scraps.mapped(lambda s: (s.company_id, s.scrap_qty)), [(self.company, 2)])
        written_off = self.shared.event_ids.filtered(lambda e: e.event_type == "written_off")
        self.assertEqual(written_off.quantity, 2)
        alert = self.shared.event_ids.filtered(lambda e: e.event_type == "alert")
        self.assertEqual(alert.quantity, 2)
        digest = expiry_digests(self.company | self.company_2)
        self.assertEqual(digest.subject, f"{self.company.name}: 1 lot(s) nearing expiry")
        self.assertIn(self.manager.partner_id, digest.recipient_ids)
        self.assertIn(self.stock_location.display_name, digest.body_html)
        self.assertNotIn(self.stock_2.display_name, digest.body_html)

    def test_a_failing_company_is_logged_and_the_others_still_run(self):
        # Company 2 writes off automatically, but its loss account was deprecated since.
        self.stock_account_product_categ.with_company(self.company_2).write(
            {
                "property_valuation": "real_time",
                "property_stock_valuation_account_id": self._account(
                    self.company_2, "LTVAL", "asset_current"
                ).id,
            }
        )
        lot_2 = self.env["stock.lot"].create(
            {
                "name": "C2-EXPIRED",
                "product_id": self.cheese.id,
                "company_id": self.company_2.id,
                "expiration_date": fields.Datetime.now() - timedelta(days=1),
            }
        )
        lot_2.with_company(self.company_2).standard_price = 4.0
        self.env["stock.quant"]._update_available_quantity(
            self.cheese, self.stock_2, 5, lot_id=lot_2
        )
        loss_2 = self._account(self.company_2)
        self.company_2.write(
            {"lot_tracking_auto_write_off": True, "lot_tracking_expiry_loss_account_id": loss_2.id}
        )
        loss_2.deprecated = True
        with self.assertLogs("odoo.addons.lot_tracking.models.stock_lot", "ERROR") as logs:
            self.env["stock.lot"]._cron_lot_tracking_expiry()
        self.assertIn(self.company_2.name, logs.output[0])
        self.assertIn("deprecated", logs.output[0])
        # company 2 is rolled back as a whole: no alert, no event, nothing written off
        self.assertFalse(lot_2.product_expiry_reminded)
        self.assertFalse(lot_2.event_ids)
        self.assertEqual(self._quantity(lot_2, self.stock_2), 5)
        self.assertEqual(self._quantity(self.shared, self.stock_2), 3)
        KPI = self.env["lot.tracking.expiry.kpi"].sudo()
        self.assertFalse(KPI.search([("company_id", "=", self.company_2.id)]))
        # the shop's company ran
        self.assertTrue(self.shared.product_expiry_reminded)
        self.assertEqual(self._quantity(self.shared, self.stock_location), 0)
        self.assertTrue(KPI.search([("company_id", "=", self.company.id)]))

    def test_alert_goes_to_the_product_responsible_of_the_company_holding_the_stock(self):
        self.env.ref("product_expiry.mail_activity_type_alert_date_reached").default_user_id = False
        responsible_2 = self._create_user("lt_responsible_2", "stock.group_stock_user")
        responsible_2.write(
            {"company_ids": [(4, self.company_2.id)], "company_id": self.company_2.id}
        )
        self.yogurt.with_company(self.company_2).responsible_id = responsible_2
        lot = self.env["stock.lot"].create(
            {
                "name": "SHARED-DUE",
                "product_id": self.yogurt.id,
                "company_id": False,
                "expiration_date": fields.Datetime.now() + timedelta(days=3),
            }
        )
        self.env["stock.quant"]._update_available_quantity(self.yogurt, self.stock_2, 1, lot_id=lot)
        self.env["stock.lot"]._alert_date_exceeded()
        self.assertEqual(lot.activity_ids.user_id, responsible_2)
