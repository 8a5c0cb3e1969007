"""Two receipts scanning the same label at the same moment, in two real transactions.

``TransactionCase`` cursors share one transaction, so these tests commit their data with their
own cursors (as core's ``base/tests/test_ir_sequence.py`` does) and delete it afterwards.
"""

import random
import threading
import time
from contextlib import ExitStack

from odoo import api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import ADMIN_USER_ID, BaseCase, get_db_name
from odoo.tools import mute_logger

from ..tools import gs1

SSCC = "106141411234567897"


def _gtin():
    digits = "29" + "".join(random.choices("0123456789", k=10))
    return digits + str(gs1.gtin_check_digit(digits))


@tagged("post_install", "-at_install")
class TestConcurrentScans(BaseCase):
    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.addCleanup(self._delete_test_data)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, ADMIN_USER_ID, {"tracking_disable": True})
            self.supplier_id = env["res.partner"].create({"name": "Concurrent Dairy"}).id
            product = env["product.product"].create(
                {
                    "name": "Concurrent Yogurt",
                    "is_storable": True,
                    "tracking": "lot",
                    "use_expiration_date": True,
                    "barcode": _gtin(),
                }
            )
            self.product_id = product.id
            self.gtin = gs1.normalize_gtin(product.barcode)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            supplier_location = env.ref("stock.stock_location_suppliers")
            receipts = env["stock.picking"].create(
                [
                    {
                        "picking_type_id": warehouse.in_type_id.id,
                        "partner_id": self.supplier_id,
                        "location_id": supplier_location.id,
                        "location_dest_id": warehouse.lot_stock_id.id,
                        "move_ids": [
                            (
                                0,
                                0,
                                {
                                    "name": product.name,
                                    "product_id": product.id,
                                    "product_uom_qty": 10,
                                    "location_id": supplier_location.id,
                                    "location_dest_id": warehouse.lot_stock_id.id,
                                },
                            )
                        ],
                    }
                    for _receipt in range(2)
                ]
            )
            receipts.action_confirm()
            self.receipt_ids = receipts.ids

    def _delete_test_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, ADMIN_USER_ID, {"tracking_disable": True})
            product = env["product.product"].browse(self.product_id).exists()
            env["lot.tracking.event"].sudo().search([("product_id", "=", product.id)]).unlink()
            receipts = env["stock.picking"].browse(self.receipt_ids).exists()
            receipts.action_cancel()
            receipts.unlink()
            env["stock.lot"].search([("product_id", "=", product.id)]).unlink()
            product.product_tmpl_id.unlink()
            env["res.partner"].browse(self.supplier_id).unlink()

    def _label(self, lot_code, **extra):
        return gs1.build({"01": self.gtin, "10": lot_code, "37": 2, **extra})

    def _receipt(self, env, index):
        return env["stock.picking"].browse(self.receipt_ids[index])

    def _race(self, label_a, label_b, inspect_b):
        """Receipt A scans ``label_a`` and has not committed when receipt B scans ``label_b``;
        B waits on the database, A commits. Return B's error and ``inspect_b(env_b)`` read in
        B's transaction right after it."""
        outcome = {}
        with ExitStack() as stack:
            cr_a, cr_b, cr_watch = (
                stack.enter_context(self.registry.cursor()) for _cursor in range(3)
            )
            env_a, env_b = (api.Environment(cr, ADMIN_USER_ID, {}) for cr in (cr_a, cr_b))
            self._receipt(env_a, 0).lot_tracking_scan(label_a)
            env_a.flush_all()

            def scan_b():
                try:
                    self._receipt(env_b, 1).lot_tracking_scan(label_b)
                except Exception as error:  # the test asserts which one
                    outcome["error"] = error
                    outcome["inspected"] = inspect_b(env_b)
                finally:
                    cr_b.rollback()

            with mute_logger("odoo.sql_db"):
                thread = threading.Thread(target=scan_b)
                thread.start()
                self._wait_until_blocked(cr_watch, cr_b._cnx.get_backend_pid())
                cr_a.commit()
                thread.join(60)
            self.assertFalse(thread.is_alive(), "receipt B's scan never finished")
        return outcome

    def _wait_until_blocked(self, cr, pid):
        for _poll in range(400):
            cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            waiting = cr.fetchone()[0] == "Lock"
            cr.rollback()  # pg_stat_activity is read once per transaction
            if waiting:
                return
            time.sleep(0.05)
        self.fail("receipt B's scan never waited for receipt A's transaction")

    def _committed(self):
        """What is in the database once both transactions are over."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, ADMIN_USER_ID, {})
            lots = env["stock.lot"].search([("product_id", "=", self.product_id)])
            scans = env["lot.tracking.event"].search(
                [("product_id", "=", self.product_id), ("event_type", "=", "scanned")]
            )
            lines = [self._receipt(env, i).move_line_ids.filtered("lot_id") for i in (0, 1)]
            return (
                lots.mapped("supplier_lot_code"),
                len(scans),
                [line.lot_id.supplier_lot_code for line in lines],
            )

    def test_same_label_on_two_receipts_at_once_makes_one_lot(self):
        label = self._label("RACE-LOT")
        outcome = self._race(
            label,
            label,
            lambda env: env["stock.lot"].search_count([("supplier_lot_code", "=", "RACE-LOT")]),
        )
        error = outcome.get("error")
        self.assertIsInstance(error, UserError, f"a clear error, not {error!r}")
        self.assertIn("RACE-LOT was given to another lot at the same moment", str(error))
        self.assertEqual(outcome["inspected"], 0, "B's transaction sees no lot of its own")
        self.assertEqual(self._committed(), (["RACE-LOT"], 1, ["RACE-LOT", False]))
        # The next scan on receipt B finds the lot A created.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, ADMIN_USER_ID, {})
            self._receipt(env, 1).lot_tracking_scan(label)
        self.assertEqual(self._committed(), (["RACE-LOT"], 2, ["RACE-LOT", "RACE-LOT"]))

    def test_same_pallet_on_two_receipts_at_once_is_received_once(self):
        outcome = self._race(
            self._label("PAL-A", **{"00": SSCC}),
            self._label("PAL-B", **{"00": SSCC}),
            lambda env: env["stock.lot"].search_count([("supplier_lot_code", "=", "PAL-B")]),
        )
        error = outcome.get("error")
        self.assertIsInstance(error, UserError, f"a clear error, not {error!r}")
        self.assertIn(f"Pallet SSCC {SSCC} has already been received", str(error))
        self.assertEqual(outcome["inspected"], 0, "B's scan is undone as a whole, lot included")
        self.assertEqual(self._committed(), (["PAL-A"], 1, ["PAL-A", False]))
