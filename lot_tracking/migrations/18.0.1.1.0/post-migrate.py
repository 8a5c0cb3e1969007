"""18.0.1.1.0: log a `corrected` event on each lot pre-migrate.py changed."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT to_regclass('lot_tracking_migration_18_0_1_1_0')")
    if not cr.fetchone()[0]:
        return
    cr.execute("SELECT lot_id, note FROM lot_tracking_migration_18_0_1_1_0 ORDER BY lot_id")
    rows = cr.fetchall()
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["lot.tracking.event"].create(
        [{"lot_id": lot_id, "event_type": "corrected", "note": note} for lot_id, note in rows]
    )
    cr.execute("DROP TABLE lot_tracking_migration_18_0_1_1_0")
    _logger.info("18.0.1.1.0: %s corrected events written", len(rows))
