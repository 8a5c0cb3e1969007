from copy import deepcopy
from datetime import timedelta
from uuid import uuid4

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from ..tools import gs1


class PosLotTrackingCommon(TestPoSCommon):
    """A POS selling yogurt, a lot-tracked product with lots in every state."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.config = cls.basic_config
        cls.location = cls.config.picking_type_id.default_location_src_id
        cls.yogurt = cls._create_pos_lot_product("Yogurt", "8712345000011")
        cls.lot_soon = cls._create_lot(cls.yogurt, "Y-SOON", 5, qty=3)
        cls.lot_late = cls._create_lot(cls.yogurt, "Y-LATE", 20, qty=10, supplier_lot_code="SUP-1")
        cls.lot_none = cls._create_lot(cls.yogurt, "Y-NONE", None, qty=5)
        cls.lot_expired = cls._create_lot(cls.yogurt, "Y-EXPIRED", -1, qty=4)
        cls.lot_recalled = cls._create_lot(cls.yogurt, "Y-RECALLED", 2, qty=4)
        cls.lot_quarantine = cls._create_lot(cls.yogurt, "Y-QUARANTINE", 3, qty=4)
        cls.lot_empty = cls._create_lot(cls.yogurt, "Y-EMPTY", 1)
        cls.lot_recalled._lot_tracking_set_quality_state("recalled")
        cls.lot_quarantine._lot_tracking_set_quality_state("quarantine")
        elsewhere = cls.env["stock.location"].create({"name": "Elsewhere", "usage": "internal"})
        cls.lot_elsewhere = cls._create_lot(cls.yogurt, "Y-ELSEWHERE", 1, qty=4, location=elsewhere)
        cls.pos_user = cls.env["res.users"].create(
            {
                "name": "Cashier",
                "login": "lt_cashier",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("point_of_sale.group_pos_user").id,
                        ]
                    )
                ],
            }
        )

    @classmethod
    def _create_pos_lot_product(cls, name, barcode=False):
        return cls.env["product.product"].create(
            {
                "name": name,
                "barcode": barcode,
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "available_in_pos": True,
                "categ_id": cls.categ_basic.id,
                "lst_price": 2.0,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _create_lot(cls, product, name, days, qty=0, location=None, **vals):
        lot = cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": product.id,
                "company_id": cls.company.id,
                "expiration_date": days is not None
                and fields.Datetime.now() + timedelta(days=days),
                **vals,
            }
        )
        if qty:
            cls.env["stock.quant"]._update_available_quantity(
                product, location or cls.location, qty, lot_id=lot
            )
        return lot

    def _existing_lots(self, product, user=None):
        return (
            self.env["pos.order.line"]
            .with_user(user or self.env.user)
            .with_context(config_id=self.config.id)
            .get_existing_lots(self.company.id, product.id)
        )


@tagged("post_install", "-at_install")
class TestPosExistingLots(PosLotTrackingCommon):
    def test_sellable_lots_first_to_expire_first(self):
        lots = self._existing_lots(self.yogurt, user=self.pos_user)
        self.assertEqual([lot["name"] for lot in lots], ["Y-SOON", "Y-LATE", "Y-NONE"])
        self.assertEqual([lot["product_qty"] for lot in lots], [3, 10, 5])
        self.assertEqual(lots[0]["id"], self.lot_soon.id)
        self.assertEqual(lots[0]["expiration_date"], self.lot_soon.expiration_date)
        self.assertFalse(lots[2]["expiration_date"])
        self.assertEqual(lots[1]["supplier_lot_code"], "SUP-1")

    def test_lot_past_its_removal_date_is_not_offered(self):
        self.lot_late.removal_date = fields.Datetime.now() - timedelta(hours=1)
        self.assertNotIn("Y-LATE", [lot["name"] for lot in self._existing_lots(self.yogurt)])

    def test_other_company_lots_are_not_offered(self):
        company_2 = self.setup_other_company()["company"]
        self.yogurt.company_id = False
        lot = self.env["stock.lot"].create(
            {"name": "Y-COMPANY-2", "product_id": self.yogurt.id, "company_id": company_2.id}
        )
        warehouse_2 = self.env["stock.warehouse"].search([("company_id", "=", company_2.id)])
        self.env["stock.quant"]._update_available_quantity(
            self.yogurt, warehouse_2.lot_stock_id, 7, lot_id=lot
        )
        names = [lot["name"] for lot in self._existing_lots(self.yogurt)]
        self.assertEqual(names, ["Y-SOON", "Y-LATE", "Y-NONE"])
        # Asked for the other company, the shop's location has none of its stock.
        lots = (
            self.env["pos.order.line"]
            .with_context(config_id=self.config.id)
            .get_existing_lots(company_2.id, self.yogurt.id)
        )
        self.assertEqual(lots, [])

    def test_session_loads_sellable_lots(self):
        self.open_new_session()
        data = self.pos_session.with_user(self.pos_user)._load_pos_data({})["data"][0]
        lots = data["_lot_tracking_lots"][self.yogurt.id]
        self.assertEqual([lot["name"] for lot in lots], ["Y-SOON", "Y-LATE", "Y-NONE"])

    def test_check_lot(self):
        order_line = (
            self.env["pos.order.line"]
            .with_user(self.pos_user)
            .with_context(config_id=self.config.id)
        )
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "SUP-1")
        self.assertEqual(result["lot"]["name"], "Y-LATE")
        self.assertFalse(result["reason"])
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "Y-EXPIRED")
        self.assertEqual(result["lot"]["id"], self.lot_expired.id)
        self.assertIn(fields.Date.to_string(self.lot_expired.expiration_date), result["reason"])
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "Y-RECALLED")
        self.assertEqual(result["reason"], "Recalled")
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "Y-QUARANTINE")
        self.assertEqual(result["reason"], "In quarantine")
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "NOPE")
        self.assertFalse(result["lot"])
        self.assertIn("Unknown lot", result["reason"])

    def test_check_lot_gs1_label_expiry_chooses_between_lots_sharing_a_code(self):
        # Two suppliers may number their lots alike (one supplier may not: one lot per code).
        other_supplier = self.env["res.partner"].create({"name": "Other Dairy"})
        twin = self._create_lot(
            self.yogurt,
            "Y-TWIN",
            40,
            qty=2,
            supplier_lot_code="SUP-1",
            supplier_id=other_supplier.id,
        )
        order_line = self.env["pos.order.line"].with_context(config_id=self.config.id)
        label = gs1.build(
            {
                "01": gs1.normalize_gtin(self.yogurt.barcode),
                "10": "SUP-1",
                "17": twin.expiration_date.date(),
            }
        )
        self.assertEqual(
            order_line.lot_tracking_check_lot(self.yogurt.id, label)["lot"]["id"], twin.id
        )
        date = fields.Date.to_string(self.lot_late.expiration_date.date())
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "SUP-1", date)
        self.assertEqual(result["lot"]["id"], self.lot_late.id)
        # Without the expiry, the first to expire.
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "SUP-1")
        self.assertEqual(result["lot"]["id"], self.lot_late.id)

    def _query_count(self, func):
        func()  # warm up caches that do not depend on the lots
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        func()
        return self.cr.sql_log_count - start

    def test_query_count_does_not_grow_with_lots(self):
        one, many = self._create_pos_lot_product("One lot"), self._create_pos_lot_product("Many")
        self._create_lot(one, "ONE-0", 30, qty=1)
        for i in range(200):
            self._create_lot(many, f"MANY-{i:03d}", 30 + i, qty=1)
        self.open_new_session()
        self.env.flush_all()

        queries = self._query_count(lambda: self._existing_lots(one))
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            self.assertEqual(len(self._existing_lots(many)), 200)

        def load():
            return self.env["pos.order.line"]._lot_tracking_sellable_lots(
                self.config, self.company.id, [("product_id", "=", one.id)]
            )

        queries = self._query_count(load)
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            lots = self.env["pos.order.line"]._lot_tracking_sellable_lots(
                self.config, self.company.id, [("product_id", "=", many.id)]
            )
            self.assertEqual(len(lots[many.id]), 200)


@tagged("post_install", "-at_install")
class TestPosSync(PosLotTrackingCommon):
    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _order(self, lines, state="paid"):
        """UI data of an order of ``[(product, qty, lot name or False), …]``."""
        data = self.create_ui_order_data([(product, qty) for product, qty, __ in lines])
        for line, (__, __, lot_name) in zip(data["lines"], lines, strict=True):
            line[2]["pack_lot_ids"] = lot_name and [Command.create({"lot_name": lot_name})]
            line[2]["lot_auto_selected"] = True
            line[2]["lot_selection_ms"] = 12
        data.update(state=state, access_token=str(uuid4()))
        return data

    def _sync(self, data):
        result = self.env["pos.order"].sync_from_ui([deepcopy(data)])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _events(self, order):
        return self.env["lot.tracking.event"].sudo().search([("pos_order_id", "=", order.id)])

    def _qty(self, lot):
        return self.env["stock.quant"]._get_available_quantity(
            lot.product_id, self.location, lot_id=lot, strict=True
        )

    def test_paid_sync_logs_sold_once(self):
        data = self._order([(self.yogurt, 2, "Y-SOON"), (self.yogurt, 1, "Y-LATE")], state="draft")
        order = self._sync(data)
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._events(order), "a draft order has sold nothing yet")

        data.update(state="paid", lines=[])  # the lines are already saved
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        events = self._events(order)
        self.assertEqual(
            sorted(events.mapped(lambda e: (e.event_type, e.lot_id.name, e.quantity))),
            [("sold", "Y-LATE", 1.0), ("sold", "Y-SOON", 2.0)],
        )
        self.assertEqual(order.lines.mapped("lot_auto_selected"), [True, True])
        self.assertEqual(order.lines.mapped("lot_selection_ms"), [12, 12])
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(self._qty(self.lot_soon), 1)

        self._sync(data)
        self.assertEqual(self._events(order), events, "a paid order sent again is ignored")

    def test_unsellable_lot_is_accepted_and_recorded_as_violation(self):
        order = self._sync(self._order([(self.yogurt, 1, "Y-RECALLED")]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(len(order.lines), 1)
        self.assertEqual(order.lines.pack_lot_ids.lot_name, "Y-RECALLED")
        events = self._events(order)
        self.assertEqual(sorted(events.mapped("event_type")), ["sold", "violation"])
        self.assertIn("Recalled", events.filtered(lambda e: e.event_type == "violation").note)
        activity = self.lot_recalled.sudo().activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("lot_tracking.group_lot_tracking_manager"))
        # The stock still leaves, from that lot: the picking is done, never left undone.
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(self._qty(self.lot_recalled), 3)

    def test_line_without_lot_gets_first_to_expire_lot(self):
        order = self._sync(self._order([(self.yogurt, 2, False)]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.lines.pack_lot_ids.lot_name, "Y-SOON")
        events = self._events(order)
        self.assertEqual(sorted(events.mapped("event_type")), ["sold", "violation"])
        self.assertTrue(all(event.lot_id == self.lot_soon for event in events))
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.picking_ids.move_line_ids.lot_id, self.lot_soon)
        self.assertEqual(self._qty(self.lot_soon), 1)

    def test_pos_user_syncs_events(self):
        self.pos_user.groups_id += self.env.ref("stock.group_stock_user")
        self.pos_session.user_id = self.pos_user
        order = (
            self.env["pos.order"]
            .with_user(self.pos_user)
            .sync_from_ui([self._order([(self.yogurt, 1, "Y-EXPIRED")])])
        )
        order = self.env["pos.order"].browse(order["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        self.assertEqual(sorted(self._events(order).mapped("event_type")), ["sold", "violation"])

    def test_stock_taken_at_session_closing(self):
        self.pos_session.update_stock_at_closing = True
        order = self._sync(self._order([(self.yogurt, 1, "Y-QUARANTINE")]))
        self.assertFalse(order.picking_ids)
        self.pos_session.post_closing_cash_details(order.amount_paid)
        self.pos_session.close_session_from_ui()
        self.assertEqual(self.pos_session.picking_ids.state, "done")
        self.assertEqual(self._qty(self.lot_quarantine), 3)
