from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestQualityState(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_good = cls._stock_lot(cls.yogurt, "GOOD", 5)
        cls.lot_bad = cls._stock_lot(cls.yogurt, "BAD", 5)

    def test_sellability_and_reasons(self):
        lot = self.lot_good
        now = fields.Datetime.now()
        self.assertTrue(lot.is_sellable)
        lot.expiration_date = now - timedelta(days=1)
        lot.removal_date = False
        self.assertFalse(lot.is_sellable)
        self.assertIn("Expired on", lot.sale_block_reason)
        # the removal date, when set, is the cut-off
        lot.write(
            {"expiration_date": now + timedelta(days=5), "removal_date": now - timedelta(hours=1)}
        )
        self.assertIn("removal date", lot.sale_block_reason)
        lot.write(
            {"removal_date": now + timedelta(days=2), "expiration_date": now + timedelta(days=5)}
        )
        self.assertTrue(lot.is_sellable)
        self.lot_bad._lot_tracking_set_quality_state("recalled")
        self.assertEqual(self.lot_bad.sale_block_reason, "Recalled")
        Lot = self.env["stock.lot"]
        lots = self.lot_good | self.lot_bad
        self.assertEqual(
            Lot.search([("id", "in", lots.ids), ("is_sellable", "=", True)]), self.lot_good
        )
        self.assertEqual(
            Lot.search([("id", "in", lots.ids), ("is_sellable", "=", False)]), self.lot_bad
        )
        self.assertEqual(
            Lot.search([("id", "in", lots.ids), ("is_sellable", "!=", True)]), self.lot_bad
        )

    def test_manager_changes_state_with_a_reason(self):
        wizard = Form(
            self.env["lot.tracking.quality.wizard"]
            .with_user(self.manager)
            .with_context(default_lot_ids=self.lot_bad.ids, default_new_state="blocked")
        )
        wizard.reason = "Lab: listeria suspicion"
        wizard.save().action_apply()
        self.assertEqual(self.lot_bad.quality_state, "blocked")
        event = self.lot_bad.event_ids
        self.assertEqual(
            (event.event_type, event.note, event.user_id),
            ("blocked", "Lab: listeria suspicion", self.manager),
        )
        # what the lot held when it was blocked, and a title a person reads
        self.assertEqual(event.quantity, 5)
        self.assertEqual(event.display_name, "Blocked: BAD")
        # the lot's chatter tells the change and its reason
        message = self.lot_bad.message_ids[:1]
        self.assertIn("Released → Blocked", message.body)
        self.assertIn("Lab: listeria suspicion", message.body)
        action = self.lot_bad.with_user(self.manager).action_lot_tracking_release()
        self.assertEqual(action["context"]["default_new_state"], "released")

    def test_only_managers_change_states_by_hand(self):
        with self.assertRaises(AccessError):
            self.lot_bad.with_user(self.stock_user).write({"quality_state": "blocked"})
        wizard = (
            self.env["lot.tracking.quality.wizard"]
            .with_user(self.manager)
            .create({"lot_ids": self.lot_bad.ids, "new_state": "blocked", "reason": "x"})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.stock_user).action_apply()
        self.assertEqual(self.lot_bad.quality_state, "released")
        # a system transition works for whoever triggers it
        self.lot_bad.with_user(self.stock_user)._lot_tracking_set_quality_state("quarantine")
        self.assertEqual(self.lot_bad.quality_state, "quarantine")
        self.assertEqual(self.lot_bad.event_ids.user_id, self.stock_user)

    def test_events_are_append_only(self):
        self.lot_bad._lot_tracking_set_quality_state("blocked")
        event = self.lot_bad.event_ids
        for user in (self.stock_user, self.manager):
            Event = self.env["lot.tracking.event"].with_user(user)
            self.assertEqual(Event.search([("id", "=", event.id)]), event, "readable")
            with self.assertRaises(AccessError):
                event.with_user(user).write({"note": "rewritten"})
            with self.assertRaises(AccessError):
                event.with_user(user).unlink()
            with self.assertRaises(AccessError):
                Event.create({"lot_id": self.lot_bad.id, "event_type": "released"})
        self.assertEqual(self.lot_bad.event_ids, event)

    def test_other_company_events_are_hidden(self):
        self.lot_bad._lot_tracking_set_quality_state("blocked")
        other = self.env["res.company"].create({"name": "Other Co"})
        user = self.env["res.users"].create(
            {
                "name": "other",
                "login": "lt_other",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set(self.env.ref("stock.group_stock_user").ids)],
            }
        )
        self.assertFalse(self.env["lot.tracking.event"].with_user(user).search([]))

    def test_non_released_lots_are_not_reserved_for_customers(self):
        self.lot_bad._lot_tracking_set_quality_state("quarantine")
        delivery = self._delivery(self.yogurt, 8)
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_good)
        self.assertEqual(delivery.move_ids.quantity, 5)

    def test_putting_a_held_lot_on_a_delivery_is_stopped(self):
        self.lot_bad._lot_tracking_set_quality_state("blocked")
        delivery = self._delivery(self.yogurt, 2)
        with self.assertRaisesRegex(
            ValidationError, "BAD .* cannot be delivered to a customer: Blocked"
        ):
            delivery.move_line_ids.lot_id = self.lot_bad

    def test_bad_stock_can_still_leave_circulation(self):
        self.lot_bad._lot_tracking_set_quality_state("recalled")
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.yogurt.id,
                "lot_id": self.lot_bad.id,
                "scrap_qty": 2,
                "location_id": self.stock_location.id,
                "company_id": self.company.id,
            }
        )
        scrap.action_validate()
        self.assertEqual(scrap.state, "done")
        vendor_return = self._picking(
            self.warehouse.out_type_id,
            self.yogurt,
            3,
            dest=self.env.ref("stock.stock_location_suppliers"),
            partner=self.supplier,
        )
        self._put_lot(vendor_return, self.lot_bad, 3)
        self._validate(vendor_return)
        self.assertEqual(vendor_return.state, "done")
        self.assertEqual(self.lot_bad.product_qty, 0)
