from psycopg2.errors import ForeignKeyViolation, UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..hooks import uninstall_hook
from .common import LotTrackingCommon

SSCC = "106141411234567897"


@tagged("post_install", "-at_install")
class TestAuditTrail(LotTrackingCommon):
    """The trail outlives its lots' changes; the database keeps lots and scans unique."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Second Shop"})
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )

    def _lot(self, product=None, **vals):
        return self.env["stock.lot"].create(
            {
                "name": f"AUDIT-{self.env['stock.lot'].search_count([]) + 1}",
                "product_id": (product or self.yogurt).id,
                "company_id": self.company.id,
                **vals,
            }
        )

    def _receipt(self, warehouse=None, partner=None):
        """A draft receipt of 10 yogurts, in ``warehouse``'s company."""
        warehouse = warehouse or self.warehouse
        supplier_location = self.env.ref("stock.stock_location_suppliers")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "partner_id": (partner or self.supplier).id,
                "location_id": supplier_location.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "company_id": warehouse.company_id.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "name": self.yogurt.name,
                            "product_id": self.yogurt.id,
                            "product_uom_qty": 10,
                            "location_id": supplier_location.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                            "company_id": warehouse.company_id.id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    # --- the trail survives -----------------------------------------------------------------
    def test_lot_with_events_cannot_be_deleted(self):
        lot = self._lot()
        event = lot._lot_tracking_log("alert", note="warning window")
        with self.assertRaisesRegex(UserError, rf"Lots {lot.name} cannot be deleted.*audit trail"):
            lot.unlink()
        self.assertTrue(lot.exists())
        self.assertEqual(lot.event_ids, event)
        # Under the ORM too: the database refuses (before: the events went with the lot).
        with (
            self.assertRaises(ForeignKeyViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute("DELETE FROM stock_lot WHERE id = %s", [lot.id])
        self.assertTrue(event.exists())

    def test_lot_without_events_can_still_be_deleted(self):
        lot = self._lot()
        lot.unlink()
        self.assertFalse(lot.exists())

    def test_events_keep_product_and_company_when_the_lot_changes(self):
        lot = self._lot(self.cheese)
        event = lot._lot_tracking_log("alert")
        # No stock moved yet: core lets the lot change product and become shared.
        lot.write({"product_id": self.yogurt.id, "company_id": False})
        self.env.invalidate_all()
        self.assertEqual(event.product_id, self.cheese)
        self.assertEqual(event.company_id, self.company)
        self.assertEqual(lot.event_ids, event)

    def test_event_of_a_shared_lot_carries_its_operations_company(self):
        lot = self._lot(company_id=False)
        other_receipt = self._receipt(self.other_warehouse)
        theirs = lot._lot_tracking_log("received", picking_id=other_receipt.id)
        ours = lot._lot_tracking_log("received", picking_id=self._receipt().id)
        no_operation = lot.with_company(self.other_company)._lot_tracking_log("alert")
        self.assertEqual(theirs.company_id, self.other_company)
        self.assertEqual(ours.company_id, self.company)
        self.assertEqual(no_operation.company_id, self.other_company, "the current company")
        # So companies stay apart: our stock user sees only our company's event.
        visible = (
            self.env["lot.tracking.event"]
            .with_user(self.stock_user)
            .search([("lot_id", "=", lot.id)])
        )
        self.assertEqual(visible, ours)

    # --- unique lots ------------------------------------------------------------------------
    def test_second_lot_with_the_same_supplier_lot_code_is_refused(self):
        lot = self._lot(supplier_id=self.supplier.id, supplier_lot_code="SUP-U1")
        before = self._snapshot()
        with self.assertRaisesRegex(ValidationError, rf"SUP-U1 is already on lot {lot.name} of"):
            self._lot(supplier_id=self.supplier.id, supplier_lot_code="SUP-U1")
        other = self._lot(supplier_id=self.supplier.id, supplier_lot_code="SUP-U2")
        with self.assertRaisesRegex(ValidationError, "SUP-U1"):
            other.supplier_lot_code = "SUP-U1"
        other.unlink()
        self.assertEqual(self._snapshot(), before)
        # The code is the supplier's, for one product in one company.
        self._lot(supplier_id=self.customer.id, supplier_lot_code="SUP-U1")
        self._lot(self.cheese, supplier_id=self.supplier.id, supplier_lot_code="SUP-U1")
        self._lot(supplier_id=self.supplier.id, supplier_lot_code="SUP-U1", company_id=False)

    def test_unique_index_counts_missing_supplier_and_company_as_equal(self):
        first = self._lot(supplier_lot_code="NOSUP", company_id=False)
        second = self._lot(company_id=False)
        # Straight to the database, past the ORM's check: the index alone refuses it.
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE stock_lot SET supplier_lot_code = 'NOSUP' WHERE id = %s", [second.id]
            )
        self.assertFalse(second.supplier_lot_code)
        self.assertTrue(first.supplier_lot_code)

    # --- unique scans -----------------------------------------------------------------------
    def test_pallet_scanned_on_a_second_receipt_is_refused(self):
        first = self._receipt()
        first.lot_tracking_scan(
            self._label(self.yogurt, "PAL-1", self._in_days(40), **{"00": SSCC})
        )
        second = self._receipt()
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, f"Pallet SSCC {SSCC} has already been received"):
            second.lot_tracking_scan(
                self._label(self.yogurt, "PAL-2", self._in_days(40), **{"00": SSCC})
            )
        self.assertEqual(self._snapshot(), before)
        # Another company receiving the same pallet (shipped on to it) is another receipt.
        self._receipt(self.other_warehouse).lot_tracking_scan(
            self._label(self.yogurt, "PAL-1", self._in_days(40), **{"00": SSCC})
        )

    def test_serial_scanned_twice_is_refused(self):
        receipt = self._receipt()
        label = self._label(self.yogurt, "SER-1", self._in_days(40), **{"21": "SN-77"})
        receipt.lot_tracking_scan(label)
        second = self._receipt()
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "Serial SN-77 of .*Yogurt has already been scanned"):
            second.lot_tracking_scan(label)
        self.assertEqual(self._snapshot(), before)

    def test_scan_indexes_refuse_duplicates_the_orm_did_not_check(self):
        lot = self._lot(company_id=False)  # shared: its events take the current company
        lot._lot_tracking_log("scanned", sscc=SSCC, gs1_serial="SN-1")
        for vals in ({"sscc": SSCC}, {"gs1_serial": "SN-1"}):
            with (
                self.assertRaises(UniqueViolation),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                lot._lot_tracking_log("scanned", **vals)
        # Only scans are receipts of the pallet: other events may quote it.
        lot._lot_tracking_log("alert", sscc=SSCC, gs1_serial="SN-1")
        lot.with_company(self.other_company)._lot_tracking_log("scanned", sscc=SSCC)

    # --- uninstalling ----------------------------------------------------------------------
    def test_uninstall_keeps_the_state_and_supplier_code_on_the_lot(self):
        held = self._lot(supplier_id=self.supplier.id, supplier_lot_code="SUP-H1")
        held._lot_tracking_set_quality_state("recalled")
        fine = self._lot(supplier_lot_code="SUP-F1", ref="OUR-REF", note="<p>Keep me</p>")
        plain = self._lot()
        self.env.flush_all()
        uninstall_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(held.ref, "SUP-H1")
        self.assertIn("this lot was <b>recalled</b>", held.note)
        self.assertEqual((fine.ref, str(fine.note)), ("OUR-REF", "<p>Keep me</p>"))
        self.assertFalse(plain.ref or plain.note)
