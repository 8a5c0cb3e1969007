from odoo import api, models
from odoo.tools import SQL, index_exists

FEED_COLUMN = "lot_tracking_txid"
FEED_INDEX = "lot_tracking_event_feed_index"
OWN_TRANSACTION = SQL("pg_current_xact_id_if_assigned()::text::bigint")
# The oldest transaction still running when the reader's snapshot was taken, other than the
# reader's own and than those of other databases (transaction ids are cluster-wide): every
# event written by an older transaction is committed (or rolled back) and visible. A
# transaction that may still commit here, even one already ended, is never ignored.
FEED_HORIZON = SQL(
    """(
    SELECT COALESCE(min(xip::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
    FROM pg_snapshot_xip(pg_current_snapshot()) AS xip
    WHERE xip IS DISTINCT FROM pg_current_xact_id_if_assigned()
    AND NOT EXISTS (
        SELECT 1 FROM pg_stat_activity AS activity
        WHERE activity.backend_xid = xid(xip)
        AND activity.datname IS DISTINCT FROM current_database()
    )
)"""
)


# The event feed's order, kept apart from the audit trail itself (lot_tracking_event.py).
class LotTrackingEvent(models.Model):
    _inherit = "lot.tracking.event"  # pylint: disable=consider-merging-classes-inherited

    def init(self):
        """Each event carries the id of the transaction that wrote it (a plain column the
        database fills in, no ORM field): the feed serves events in (transaction, id) order,
        and only once every older transaction has ended, so a late commit is never skipped."""
        res = super().init()
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s bigint NOT NULL "
                "DEFAULT (pg_current_xact_id()::text::bigint)",
                SQL.identifier(self._table),
                SQL.identifier(FEED_COLUMN),
            )
        )
        if not index_exists(self.env.cr, FEED_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (%s, id)",
                    SQL.identifier(FEED_INDEX),
                    SQL.identifier(self._table),
                    SQL.identifier(FEED_COLUMN),
                )
            )
        return res

    @api.model
    def _lot_tracking_feed(self, domain, after=(0, 0), limit=100):
        """Events of ``domain`` the caller may read, after position ``after``, in feed order.

        Returns ``(events, positions)``; a position is ``(transaction, id)``. Events of
        transactions still running (or of older ones, which may commit later) are held back:
        the position of the last event served is a cursor that never skips one. The caller's
        own transaction is the exception: it sees what it wrote.
        """
        query = self._search(domain)
        txid = SQL.identifier(query.table, FEED_COLUMN)
        event_id = SQL.identifier(query.table, "id")
        query.add_where(SQL("(%s < %s OR %s = %s)", txid, FEED_HORIZON, txid, OWN_TRANSACTION))
        query.add_where(SQL("(%s, %s) > (%s, %s)", txid, event_id, int(after[0]), int(after[1])))
        query.order = SQL("%s, %s", txid, event_id)
        query.limit = limit
        rows = self.env.execute_query(query.select(event_id, txid))
        events = self.browse([event_id for event_id, __ in rows])
        return events, [(txid, event_id) for event_id, txid in rows]
