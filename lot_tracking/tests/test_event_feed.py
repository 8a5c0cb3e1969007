"""The event feed's cursor against real concurrent transactions (no test transaction: each
connection here commits or rolls back on its own, and the test removes what it committed)."""

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestEventFeedConcurrency(BaseCase):
    def _env(self):
        cr = sql_db.db_connect(get_db_name()).cursor()
        self.addCleanup(cr.close)
        cr.execute("SET lock_timeout = '10s'")
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _read(self, lot_id, after):
        """What a client polling now gets after ``after``: (event ids, its next cursor)."""
        reader = self._env()
        events, positions = reader["lot.tracking.event"]._lot_tracking_feed(
            [("lot_id", "=", lot_id)], after
        )
        reader.cr.rollback()
        return events.ids, positions[-1] if positions else after

    def test_an_event_that_commits_late_is_not_skipped(self):
        """The first transaction writes an event (the smaller id) and commits after the
        second: a client polling in between must not move its cursor past it."""
        setup = self._env()
        product = setup["product.product"].create(
            {"name": "Feed test", "is_storable": True, "tracking": "lot"}
        )
        lot = setup["stock.lot"].create({"name": "FEED-TEST", "product_id": product.id})
        setup.cr.commit()
        self.addCleanup(self._remove, product.id, lot.id)
        first, second = self._env(), self._env()
        late = first["stock.lot"].browse(lot.id)._lot_tracking_log("received", note="late")
        early = second["stock.lot"].browse(lot.id)._lot_tracking_log("received", note="early")
        self.assertLess(late.id, early.id)
        second.cr.commit()
        ids, cursor = self._read(lot.id, (0, 0))
        self.assertEqual(ids, [], "an older transaction may still commit: nothing is served")
        first.cr.commit()
        ids, cursor = self._read(lot.id, cursor)
        self.assertEqual(ids, [late.id, early.id])
        self.assertEqual(self._read(lot.id, cursor), ([], cursor))

    def _remove(self, product_id, lot_id):
        env = self._env()
        env.cr.execute("DELETE FROM lot_tracking_event WHERE lot_id = %s", [lot_id])
        env["stock.lot"].browse(lot_id).unlink()
        env["product.product"].browse(product_id).product_tmpl_id.unlink()
        env.cr.commit()
