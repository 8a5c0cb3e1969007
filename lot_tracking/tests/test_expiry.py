from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import LotTrackingCommon


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
        return self.env["mail.mail"].search([("subject", "like", "nearing expiry")])

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
        # on hand 4 + 4 + 2 + 3 + 3 = 16; in the window: due 4, expired 2, own_window_due 3
        self.assertEqual((kpi[0].quantity_on_hand, kpi[0].quantity_expiring), (16, 9))
        self.assertEqual(kpi[0].quantity_expiring_percent, 56.25)

    def test_core_alert_pass_and_ours_give_one_alert_per_lot(self):
        Lot = self.env["stock.lot"]
        Lot._alert_date_exceeded()  # core's pass in the stock scheduler
        core_alerted = self._alerted()
        self.assertIn("expired", core_alerted)
        Lot._cron_lot_tracking_expiry()
        self.env["procurement.group"].run_scheduler()
        Lot._cron_lot_tracking_expiry()
        self.assertEqual(self._alerted(), ["due", "expired", "own_window_due"])
        self.assertEqual(self._events("alert"), sorted(set(self._alerted()) - set(core_alerted)))

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
        product = self._create_lot_product(prefix, False)
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

    def _cron_queries(self, lots):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        self.env.flush_all()
        self.assertTrue(all(lots.mapped("product_expiry_reminded")))
        return self.env.cr.sql_log_count - before

    def test_cron_queries_do_not_grow_per_lot(self):
        self._cron_queries(self._make_due_lots(3, "W"))  # warm-up
        few = self._cron_queries(self._make_due_lots(10, "F"))
        many = self._cron_queries(self._make_due_lots(1000, "M"))
        # Only the ORM's batched statements grow: INSERT/UPDATE of activities, events and lots
        # go 100 rows at a time (~6 statements per 100 lots here); a query per lot would add
        # at least 990.
        self.assertLess(many - few, 100, f"10 lots: {few} queries, 1000 lots: {many}")
