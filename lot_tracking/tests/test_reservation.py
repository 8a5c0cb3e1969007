from uuid import uuid4

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LotTrackingCommon
from .test_pos import PosLotTrackingCommon


@tagged("post_install", "-at_install")
class TestHeldLotReservation(LotTrackingCommon):
    """A lot that may no longer be sold leaves every transfer toward customers at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.yogurt.categ_id.removal_strategy_id = cls.env.ref("product_expiry.removal_fefo")
        cls.lot_soon = cls._stock_lot(cls.yogurt, "SOON", 5, days=5)
        cls.lot_later = cls._stock_lot(cls.yogurt, "LATER", 5, days=10)
        cls.lot_last = cls._stock_lot(cls.yogurt, "LAST", 5, days=15)

    def _reserved(self, lot, location=None):
        quants = self.env["stock.quant"]._gather(
            lot.product_id, location or self.stock_location, lot_id=lot, strict=True
        )
        return sum(quants.mapped("reserved_quantity"))

    def _recall(self, lot):
        lot.with_user(self.manager)._lot_tracking_set_quality_state("recalled", note="recall")

    def test_reserved_delivery_gets_another_released_lot(self):
        delivery = self._delivery(self.yogurt, 4)
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_soon, "first to expire")
        # Taking bad stock out of circulation stays possible: other transfers keep the lot.
        shelf = self.env["stock.location"].create(
            {"name": "Quarantine shelf", "location_id": self.stock_location.id}
        )
        internal = self._picking(
            self.warehouse.int_type_id, self.yogurt, 1, source=self.stock_location, dest=shelf
        )
        self.assertEqual(internal.move_line_ids.lot_id, self.lot_soon)
        self._recall(self.lot_soon)
        self.assertEqual(internal.move_line_ids.lot_id, self.lot_soon)
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_later, "next by FEFO")
        self.assertEqual(delivery.move_ids.quantity, 4)
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(self._reserved(self.lot_soon), 1, "freed but for the internal transfer")
        self.assertEqual(self._reserved(self.lot_later), 4)
        message = delivery.message_ids[:1].body
        self.assertIn("SOON", message)
        self.assertIn("Recalled", message)
        self.assertFalse(delivery.activity_ids, "nothing was picked: nothing to put back")
        self._validate(delivery)
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_later)
        self.assertEqual(self.lot_soon.product_qty, 5)

    def test_managers_direct_write_takes_the_same_path(self):
        """A manager blocking a lot from the form, an import or RPC writes quality_state
        directly: the lot still leaves the delivery and the change is logged."""
        delivery = self._delivery(self.yogurt, 4)
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_soon)
        self.lot_soon.with_user(self.manager).write({"quality_state": "blocked"})
        self.assertEqual(self.lot_soon.quality_state, "blocked")
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_later)
        event = self.lot_soon.event_ids.filtered(lambda e: e.event_type == "blocked")
        self.assertEqual((event.user_id, event.quantity), (self.manager, 5))

    def test_without_another_lot_the_delivery_waits(self):
        delivery = self._delivery(self.yogurt, 12)  # all three lots, partly the last
        self.assertEqual(len(delivery.move_line_ids), 3)
        (self.lot_later | self.lot_last).with_user(self.manager)._lot_tracking_set_quality_state(
            "blocked"
        )
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_soon)
        self.assertEqual(delivery.move_ids.quantity, 5)
        self.assertEqual(delivery.state, "assigned", "partly available: delivery can ship 5")
        self._recall(self.lot_soon)
        self.assertFalse(delivery.move_line_ids)
        self.assertEqual(delivery.state, "confirmed")
        with self.assertRaisesRegex(UserError, "no quantities are reserved"):
            delivery.button_validate()
        self.assertEqual(
            [lot.product_qty for lot in (self.lot_soon, self.lot_later, self.lot_last)],
            [5, 5, 5],
        )

    def test_validation_refuses_a_held_lot_whatever_put_it_there(self):
        delivery = self._delivery(self.yogurt, 2)
        # Recalled by another transaction while this delivery was being validated (or by
        # an import): the lot is still on the line.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_lot SET quality_state = 'recalled' WHERE id = %s", [self.lot_soon.id]
        )
        self.env.invalidate_all()
        self.assertEqual(delivery.move_line_ids.lot_id, self.lot_soon)
        for validate in (
            lambda: delivery.with_user(self.stock_user).button_validate(),  # as over RPC
            lambda: delivery.with_context(skip_backorder=True).button_validate(),
            lambda: delivery.move_ids._action_done(),
        ):
            with self.assertRaisesRegex(UserError, "SOON \\(Recalled\\)"):
                validate()
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(self.lot_soon.product_qty, 5)
        # Over RPC, the lot cannot be put back on a line either.
        with self.assertRaisesRegex(ValidationError, "SOON .* cannot be delivered"):
            delivery.move_line_ids.with_user(self.stock_user).write(
                {"lot_id": self.lot_soon.id, "quantity": 1}
            )

    def test_held_lot_is_refused_before_the_backorder_question(self):
        """The picking's _pre_action_done_hook refuses the lot, with its reason, before core
        asks whether to create a backorder: the user is not asked a question first."""
        delivery = self._delivery(self.yogurt, 8)
        delivery.move_line_ids.filtered(lambda ml: ml.lot_id != self.lot_soon).unlink()
        self.assertEqual(delivery.move_ids.quantity, 5, "short of the demand: a backorder")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_lot SET quality_state = 'blocked' WHERE id = %s", [self.lot_soon.id]
        )
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "SOON \\(Blocked\\)"):
            delivery.with_user(self.stock_user).button_validate()
        self.assertFalse(delivery.backorder_ids)
        self.assertEqual(delivery.state, "assigned")

    def test_picked_line_is_unpicked_and_the_goods_put_back(self):
        delivery = self._delivery(self.yogurt, 3)
        delivery.move_line_ids.picked = True
        delivery.user_id = self.stock_user
        self.lot_soon.with_user(self.manager)._lot_tracking_set_quality_state("quarantine")
        line = delivery.move_line_ids
        self.assertEqual((line.lot_id, line.quantity), (self.lot_later, 3))
        self.assertFalse(line.picked, "the new lot has not been picked yet")
        self.assertEqual(self._reserved(self.lot_soon), 0)
        activity = delivery.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.stock_user)
        self.assertIn("SOON", activity.note)
        self.assertIn("Put back", activity.summary)

    def test_draft_transfer_with_a_typed_lot(self):
        """Immediate transfer: lines typed on a draft picking, validated without reserving."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers.id,
            }
        )
        self.env["stock.move.line"].create(
            {
                "picking_id": picking.id,
                "product_id": self.yogurt.id,
                "lot_id": self.lot_soon.id,
                "quantity": 2,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers.id,
            }
        )
        self._recall(self.lot_soon)
        self.assertFalse(picking.move_line_ids.filtered("lot_id"))
        with self.assertRaises(UserError):
            picking.button_validate()
        self.assertEqual(self.lot_soon.product_qty, 5)

    def test_backorder_loses_the_lot_too(self):
        delivery = self._delivery(self.yogurt, 8)
        self.assertEqual(
            delivery.move_line_ids.mapped(lambda ml: (ml.lot_id.name, ml.quantity)),
            [("SOON", 5), ("LATER", 3)],
        )
        delivery.move_line_ids.filtered(lambda ml: ml.lot_id == self.lot_soon).picked = True
        action = delivery.button_validate()
        Form.from_action(self.env, action).save().process()
        backorder = delivery.backorder_ids
        backorder.action_assign()
        self.assertEqual(backorder.move_line_ids.lot_id, self.lot_later)
        self._recall(self.lot_later)
        self.assertEqual(backorder.move_line_ids.lot_id, self.lot_last)
        self._validate(backorder)
        self.assertEqual(self.lot_later.product_qty, 5)
        self.assertEqual(self.lot_last.product_qty, 2)

    def _procure(self, steps, qty):
        """The first step of a ``steps`` delivery of ``qty`` yogurts (later steps are pushed
        when the previous one is done)."""
        self.warehouse.delivery_steps = steps
        group = self.env["procurement.group"].create(
            {"name": steps, "partner_id": self.customer.id}
        )
        Procurement = self.env["procurement.group"].Procurement
        self.env["procurement.group"].run(
            [
                Procurement(
                    self.yogurt,
                    qty,
                    self.yogurt.uom_id,
                    self.customers,
                    steps,
                    steps,
                    self.company,
                    {"warehouse_id": self.warehouse, "group_id": group},
                )
            ]
        )
        pick = self.env["stock.picking"].search([("group_id", "=", group.id)])
        self.assertEqual(pick.picking_type_id, self.warehouse.pick_type_id)
        pick.action_assign()
        return pick

    @staticmethod
    def _next_step(picking):
        return picking.move_ids.move_dest_ids.picking_id

    def test_pick_pack_ship_chain(self):
        pick = self._procure("pick_pack_ship", 3)
        self.assertEqual(pick.move_line_ids.lot_id, self.lot_soon)

        # The first step takes from stock: it is reserved again.
        self._recall(self.lot_soon)
        self.assertEqual(pick.move_line_ids.lot_id, self.lot_later)
        self.assertIn("SOON", pick.message_ids[:1].body)
        self._validate(pick)
        pack = self._next_step(pick)
        packing_zone = pick.location_dest_id
        self.assertEqual(pack.move_ids.location_final_id, self.customers)
        self.assertEqual(pack.move_line_ids.lot_id, self.lot_later)
        # Other stock in the packing zone that this chain did not bring there.
        self._stock_lot(self.yogurt, "ELSEWHERE", 3, days=12, location=packing_zone)

        # A chained step is unreserved and flagged, never re-reserved from that stock.
        self._recall(self.lot_later)
        self.assertFalse(pack.move_line_ids)
        self.assertNotEqual(pack.state, "assigned")
        self.assertEqual(self._reserved(self.lot_later, packing_zone), 0)
        self.assertIn("LATER", pack.message_ids[:1].body)
        self.assertIn("not reserved again", pack.message_ids[:1].body)
        self.assertIn("LATER", pack.activity_ids.note)
        with self.assertRaises(UserError):
            pack.button_validate()
        with self.assertRaisesRegex(ValidationError, "LATER .* cannot be delivered"):
            self._put_lot(pack, self.lot_later, 3)
        self.assertFalse(self._next_step(pack))
        quant = self.lot_later.quant_ids.filtered(lambda q: q.location_id == packing_zone)
        self.assertEqual((quant.quantity, quant.reserved_quantity), (3, 0))

    def test_last_step_of_the_chain(self):
        pick = self._procure("pick_ship", 2)
        self._validate(pick)
        ship = self._next_step(pick)
        self.assertEqual(ship.move_line_ids.lot_id, self.lot_soon)
        ship.move_line_ids.picked = True
        self._recall(self.lot_soon)
        self.assertFalse(ship.move_line_ids)
        self.assertIn("SOON", ship.activity_ids.note)
        with self.assertRaises(UserError):
            self._validate(ship)
        self.assertEqual(self.lot_soon.product_qty, 5)
        self.assertNotIn(self.customers, self.lot_soon.quant_ids.location_id)


@tagged("post_install", "-at_install")
class TestHeldLotPosPickings(PosLotTrackingCommon):
    """A Point of Sale sale is never undone: its picking keeps the lot, a manager decides."""

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _ship_later(self, lot, qty):
        data = self.create_ui_order_data([(self.yogurt, qty)], customer=self.customer)
        data["lines"][0][2]["pack_lot_ids"] = [Command.create({"lot_name": lot.name})]
        data.update(
            state="paid",
            access_token=str(uuid4()),
            shipping_date=fields.Date.to_string(fields.Date.today()),
        )
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def test_ship_later_picking_keeps_its_lot(self):
        order = self._ship_later(self.lot_late, 2)
        picking = order.picking_ids
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.move_line_ids.lot_id, self.lot_late)
        Event = self.env["lot.tracking.event"].sudo()
        self.assertEqual(Event.search([("pos_order_id", "=", order.id)]).event_type, "sold")

        self.lot_late._lot_tracking_set_quality_state("recalled")
        self.assertEqual(picking.move_line_ids.lot_id, self.lot_late, "a sale is never undone")
        self.assertIn("Y-LATE", picking.message_ids[:1].body)
        activity = picking.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("lot_tracking.group_lot_tracking_manager"))
        self.assertIn("Y-LATE", activity.note)

        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done", "never refused")
        violation = Event.search(
            [("pos_order_id", "=", order.id), ("event_type", "=", "violation")]
        )
        self.assertEqual((violation.lot_id, violation.quantity), (self.lot_late, 2))
        self.assertIn("Recalled", violation.note)
