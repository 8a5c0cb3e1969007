"""18.0.1.1.0: repair what the new constraints need before the new schema is applied.

- Events keep their own product and company (no longer related to the lot, company required):
  events of lots without a company take the company of their operation (receipt, POS order),
  else of their user, else the main company.
- One lot per product, supplier, supplier lot code and company (unique index): the oldest lot
  keeps the code, later ones get it suffixed with their own name.
- A GS1 pallet (SSCC) or serial is scanned once per company (unique indexes): later scans keep
  the identifier in their note only.

Each lot changed here gets a `corrected` event, written by post-migrate.py from the rows this
script leaves in ``lot_tracking_migration_18_0_1_1_0``.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)
VERSION = "18.0.1.1.0"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "CREATE TABLE IF NOT EXISTS lot_tracking_migration_18_0_1_1_0 (lot_id int, note text)"
    )
    _fill_event_companies(cr)
    _split_supplier_lot_codes(cr)
    for column, label in (("sscc", "SSCC"), ("gs1_serial", "serial")):
        _clear_repeated_scans(cr, column, label)


def _fill_event_companies(cr):
    cr.execute(
        """
        UPDATE lot_tracking_event event
           SET product_id = COALESCE(event.product_id, lot.product_id),
               company_id = COALESCE(picking.company_id, pos.company_id, lot.company_id,
                                     usr.company_id,
                                     (SELECT MIN(id) FROM res_company))
          FROM stock_lot lot, lot_tracking_event src
          LEFT JOIN stock_picking picking ON picking.id = src.picking_id
          LEFT JOIN pos_order pos ON pos.id = src.pos_order_id
          LEFT JOIN res_users usr ON usr.id = src.user_id
         WHERE src.id = event.id AND lot.id = event.lot_id
           AND (event.company_id IS NULL OR event.product_id IS NULL)
        """
    )
    _logger.info("%s: %s lot events given their product and company", VERSION, cr.rowcount)


def _split_supplier_lot_codes(cr):
    cr.execute(
        """
        WITH ranked AS (
            SELECT id, name, supplier_lot_code,
                   FIRST_VALUE(name) OVER w AS kept_name,
                   ROW_NUMBER() OVER w AS rank
              FROM stock_lot
             WHERE supplier_lot_code IS NOT NULL
            WINDOW w AS (
                PARTITION BY product_id, COALESCE(supplier_id, 0), supplier_lot_code,
                             COALESCE(company_id, 0)
                ORDER BY id)
        ), renamed AS (
            UPDATE stock_lot lot
               SET supplier_lot_code = ranked.supplier_lot_code || ' (' || ranked.name || ')'
              FROM ranked
             WHERE ranked.id = lot.id AND ranked.rank > 1
         RETURNING lot.id, ranked.supplier_lot_code AS code, ranked.kept_name,
                   lot.supplier_lot_code AS new_code
        )
        INSERT INTO lot_tracking_migration_18_0_1_1_0 (lot_id, note)
        SELECT id,
               'Upgrade to ' || %s || ': supplier lot code ' || code || ' was also on lot '
               || kept_name || ', which keeps it (one lot per supplier lot code). This lot''s '
               || 'code became ' || new_code || '.'
          FROM renamed
        """,
        [VERSION],
    )
    _logger.info("%s: %s lots sharing a supplier lot code renamed", VERSION, cr.rowcount)


def _clear_repeated_scans(cr, column, label):
    identifier = SQL.identifier(column)
    key = SQL("company_id, product_id") if column == "gs1_serial" else SQL("company_id")
    cr.execute(
        SQL(
            """
            WITH ranked AS (
                SELECT id, %(identifier)s AS identifier,
                       ROW_NUMBER() OVER (PARTITION BY %(key)s, %(identifier)s
                                          ORDER BY date, id) AS rank
                  FROM lot_tracking_event
                 WHERE event_type = 'scanned' AND %(identifier)s IS NOT NULL
            ), cleared AS (
                UPDATE lot_tracking_event event
                   SET %(identifier)s = NULL,
                       note = CONCAT_WS(E'\\n', event.note,
                                        %(label)s || ' ' || ranked.identifier
                                        || ' repeats an earlier scan.')
                  FROM ranked
                 WHERE ranked.id = event.id AND ranked.rank > 1
             RETURNING event.lot_id, ranked.identifier
            )
            INSERT INTO lot_tracking_migration_18_0_1_1_0 (lot_id, note)
            SELECT lot_id, 'Upgrade to ' || %(version)s || ': ' || %(label)s || ' '
                   || identifier || ' was scanned more than once; only its first scan keeps it.'
              FROM cleared
            """,
            identifier=identifier,
            key=key,
            label=label,
            version=VERSION,
        )
    )
    _logger.info("%s: %s repeated %s scans cleared", VERSION, cr.rowcount, label)
