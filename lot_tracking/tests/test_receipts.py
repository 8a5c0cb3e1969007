from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestReturnsAndReceipts(LotTrackingCommon):
    """A receipt never lowers a lot's state; a return brings back the lot that left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env.ref("stock.stock_location_customers")

    def _return(self, delivery, qty):
        """The return of ``qty`` of ``delivery`` made with core's wizard."""
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_ids=delivery.ids, active_id=delivery.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        return self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])

    def _lot_count(self):
        return self.env["stock.lot"].search_count([])

    def test_delivery_logs_shipped(self):
        lot = self._stock_lot(self.yogurt, "OUT", 5, days=30)
        delivery = self._deliver(self.yogurt, lot, 3)
        shipped = lot.event_ids.filtered(lambda e: e.event_type == "shipped")
        self.assertEqual((shipped.picking_id, shipped.quantity), (delivery, 3))

    def test_customer_return_of_a_recalled_lot(self):
        self.yogurt.receipt_min_shelf_life_days = 30
        lot = self._stock_lot(self.yogurt, "HOME", 5, days=10)  # made in house: no supplier
        delivery = self._deliver(self.yogurt, lot, 2)
        lot._lot_tracking_set_quality_state("recalled", note="supplier notice")
        returned = self._return(delivery, 2)
        self.assertEqual(returned.move_line_ids.lot_id, lot, "the lot that left comes back")
        lots = self._lot_count()
        with self.assertRaisesRegex(UserError, "receipt from a supplier"):
            returned.lot_tracking_scan(self._label(self.yogurt, "HOME", self._in_days(10)))
        self._validate(returned)
        self.assertEqual(returned.state, "done")
        self.assertEqual(lot.quality_state, "recalled", "short-dated, but never lowered")
        self.assertFalse(lot.supplier_id, "a customer is not a supplier")
        self.assertFalse(lot.receipt_picking_id)
        self.assertEqual(self._lot_count(), lots)
        events = lot.event_ids.filtered(lambda e: e.picking_id == returned)
        self.assertEqual(
            events.mapped(lambda e: (e.event_type, e.quantity)), [("returned", 2)], "not received"
        )
        self.assertIn("HOME (Recalled)", returned.message_ids[:1].body)
        self.assertEqual(lot.product_qty, 5)

    def test_customer_return_of_an_expired_lot_asks_only_product_expiry(self):
        lot = self._stock_lot(self.yogurt, "GONE-OFF", 5, days=3)
        delivery = self._deliver(self.yogurt, lot, 2)
        lot.expiration_date = fields.Datetime.now() - timedelta(days=2)
        returned = self._return(delivery, 2)
        returned.move_ids.picked = True
        action = returned.button_validate()
        self.assertEqual(action["res_model"], "expiry.picking.confirmation")
        Form.from_action(self.env, action).save().process()
        self.assertEqual(returned.state, "done")
        self.assertFalse(lot.is_sellable)
        self.assertIn("Expired on", lot.sale_block_reason)
        self.assertIn("returned", lot.event_ids.mapped("event_type"))
        self.assertEqual(lot.product_qty, 5)

    def test_return_without_a_lot_gets_no_invented_lot(self):
        returned = self._picking(
            self.warehouse.in_type_id,
            self.cheese,
            2,
            source=self.customers,
            dest=self.stock_location,
        )
        lots = self._lot_count()
        with self.assertRaisesRegex(UserError, "supply a Lot/Serial number"):
            self._validate(returned)
        self.assertFalse(returned.move_line_ids.filtered("lot_name"))
        self.assertEqual(self._lot_count(), lots)

    def test_typed_lot_on_a_return_has_no_supplier(self):
        returned = self._picking(
            self.warehouse.in_type_id,
            self.cheese,
            2,
            source=self.customers,
            dest=self.stock_location,
        )
        returned.move_line_ids.lot_name = "BACK-1"
        self._validate(returned)
        lot = returned.move_line_ids.lot_id
        self.assertEqual(lot.name, "BACK-1")
        self.assertFalse(lot.supplier_id)
        self.assertEqual(lot.event_ids.mapped("event_type"), ["returned"])

    def test_supplier_receipt_of_an_expired_lot_is_refused_before_product_expiry(self):
        lot = self.env["stock.lot"].create(
            {
                "name": "STALE",
                "product_id": self.cheese.id,
                "company_id": self.company.id,
                "expiration_date": fields.Datetime.now() - timedelta(days=1),
            }
        )
        receipt = self._purchase([(self.cheese, 2, 3.0)])
        receipt.move_line_ids.lot_id = lot
        receipt.move_ids.picked = True
        for context in ({}, {"skip_expired": True}):  # before and after its confirmation
            with (
                self.subTest(context=context),
                self.assertRaisesRegex(UserError, "lot STALE expired on"),
            ):
                receipt.with_context(**context).button_validate()
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(lot.product_qty, 0)

    def test_recalled_lot_received_again_stays_recalled(self):
        label = self._label(self.yogurt, "SUP-R", self._in_days(40))
        first = self._purchase([(self.yogurt, 1, 3.0)])
        first.lot_tracking_scan(label)
        self._validate(first)
        lot = first.move_line_ids.lot_id
        lot._lot_tracking_set_quality_state("recalled")
        self.yogurt.receipt_min_shelf_life_days = 60  # now it would be short-dated
        second = self._purchase([(self.yogurt, 1, 3.0)])
        second.lot_tracking_scan(label)
        self._validate(second)
        self.assertEqual(second.move_line_ids.lot_id, lot)
        self.assertEqual(lot.quality_state, "recalled")
        self.assertNotIn("quarantined", lot.event_ids.mapped("event_type"))
        self.assertIn("SUP-R", lot.supplier_lot_code)
        self.assertIn(f"{lot.name} (Recalled)", second.message_ids[:1].body)


@tagged("post_install", "-at_install")
class TestLabelQuantity(LotTrackingCommon):
    def setUp(self):
        super().setUp()
        self.receipt = self._purchase([(self.yogurt, 10, 3.0)])

    def _scan(self, **data):
        result = self.receipt.lot_tracking_scan(
            self._label(self.yogurt, "Q", self._in_days(40), **data)
        )
        return result["quantity"]

    def test_count_from_the_label_zero_refused(self):
        before = self._snapshot()
        for data in ({"37": 0}, {"30": 0}, {"30": 0, "37": 5}):
            with self.subTest(data=data), self.assertRaisesRegex(UserError, "at least one unit"):
                self._scan(**data)
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self._scan(**{"30": 4}), 4)
        self.assertEqual(self._scan(**{"37": 3}), 3)
        self.assertEqual(self._scan(), 1, "a label without a count is one unit")
        self.assertEqual(self.receipt.move_line_ids.quantity, 8)

    def test_errors_quote_at_most_100_characters_of_a_label(self):
        before = self._snapshot()
        for barcode in (
            "10" + "A" * 5000,
            "(01)" + "1" * 5000,
            "(37)" + "7" * 5000,
            "0102000000000015(10)" + "B" * 5000,
        ):
            with self.subTest(barcode=barcode[:30]), self.assertRaises(UserError) as caught:
                self.receipt.lot_tracking_scan(barcode)
            message = str(caught.exception)
            self.assertLess(len(message), 250, message)
            self.assertNotRegex(message, r"(\w)\1{100}")
        self.assertEqual(self._snapshot(), before)
