import json
from copy import deepcopy
from datetime import timedelta
from uuid import uuid4

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import format_date

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

    def test_session_loads_lots_in_stock(self):
        """The till gets stock.lot records through core's loader: the lots in stock at its
        location, with the quantity there and why each may not be sold."""
        self.open_new_session()
        session = self.pos_session.with_user(self.pos_user)
        self.assertIn("stock.lot", session._load_pos_data_models(self.config.id))
        self.assertNotIn("_lot_tracking_lots", session._load_pos_data({})["data"][0])
        response = session.load_data(["pos.config", "stock.lot"])
        loaded = response["stock.lot"]
        self.assertIn("sale_block_reason", loaded["fields"])
        self.assertEqual(loaded["relations"]["product_id"]["relation"], "product.product")
        lots = {lot["name"]: lot for lot in loaded["data"]}
        self.assertEqual(
            set(lots),
            {"Y-SOON", "Y-LATE", "Y-NONE", "Y-EXPIRED", "Y-RECALLED", "Y-QUARANTINE"},
            "in stock here (not Y-EMPTY, not Y-ELSEWHERE), sellable or not",
        )
        self.assertEqual(lots["Y-LATE"]["product_qty"], 10)
        self.assertEqual(lots["Y-LATE"]["supplier_lot_code"], "SUP-1")
        self.assertEqual(lots["Y-LATE"]["product_id"], self.yogurt.id)
        self.assertFalse(lots["Y-SOON"]["sale_block_reason"])
        self.assertEqual(lots["Y-RECALLED"]["sale_block_reason"], "Recalled")
        self.assertIn("Expired on", lots["Y-EXPIRED"]["sale_block_reason"])

    def test_loader_leaves_out_other_companies_and_products(self):
        company_2 = self.setup_other_company()["company"]
        self.yogurt.company_id = False
        lot = self.env["stock.lot"].create(
            {"name": "Y-COMPANY-2", "product_id": self.yogurt.id, "company_id": company_2.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.yogurt, self.location, 2, lot_id=lot
        )
        hidden = self._create_pos_lot_product("Not in POS")
        hidden.available_in_pos = False
        self._create_lot(hidden, "H-1", 10, qty=3)
        self.open_new_session()
        loaded = self.pos_session.load_data(["pos.config", "stock.lot"])["stock.lot"]["data"]
        names = {lot["name"] for lot in loaded}
        self.assertNotIn("Y-COMPANY-2", names)
        self.assertNotIn("H-1", names)
        self.assertIn("Y-SOON", names)

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
        self.assertIn(format_date(self.env, self.lot_expired.expiration_date), result["reason"])
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
                self.config, [("product_id", "=", one.id)]
            )

        queries = self._query_count(load)
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            lots = self.env["pos.order.line"]._lot_tracking_sellable_lots(
                self.config, [("product_id", "=", many.id)]
            )
            self.assertEqual(len(lots[many.id]), 200)

        # The session loader: as many queries for 1 lot in stock as for 200 more, unsellable
        # ones included (their reason is worded from one read).
        self._create_lot(one, "ONE-OLD", -3, qty=1)
        for i in range(20):
            self._create_lot(many, f"MANY-OLD-{i:03d}", -1 - i, qty=1)
        data = {"pos.config": {"data": [{"id": self.config.id}]}}
        many.available_in_pos = False
        self.env.flush_all()
        queries = self._query_count(lambda: self.env["stock.lot"]._load_pos_data(data))
        many.available_in_pos = True
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            loaded = self.env["stock.lot"]._load_pos_data(data)["data"]
            self.assertEqual(len([lot for lot in loaded if lot["product_id"] == many.id]), 220)


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


def _user(env, login, *groups):
    return env["res.users"].create(
        {
            "name": login,
            "login": login,
            "groups_id": [Command.set([env.ref(g).id for g in ("base.group_user", *groups)])],
        }
    )


@tagged("post_install", "-at_install")
class TestPosTillRules(PosLotTrackingCommon):
    """What the till allows or charges changes only through the managers' flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = _user(cls.env, "lt_till_stock", "stock.group_stock_user")
        cls.manager = _user(
            cls.env,
            "lt_till_manager",
            "stock.group_stock_user",
            "lot_tracking.group_lot_tracking_manager",
        )

    def test_stock_user_cannot_write_markdown_or_state(self):
        lot = self.lot_late.with_user(self.stock_user)
        with self.assertRaises(AccessError):
            lot.write({"markdown_percent": 90})
        with self.assertRaises(AccessError):
            lot.write({"quality_state": "blocked"})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            lot.write({"name": "Y-LATE-2", "markdown_percent": 5})
        self.assertRecordValues(
            self.lot_late, [{"name": "Y-LATE", "markdown_percent": 0, "quality_state": "released"}]
        )
        # What does not touch the till's rules stays a stock user's job.
        lot.write({"production_date": fields.Date.today(), "markdown_percent": 0})
        self.assertEqual(self.lot_late.production_date, fields.Date.today())

    def test_stock_user_cannot_create_lot_blocked_or_marked_down(self):
        Lot = self.env["stock.lot"].with_user(self.stock_user)
        for vals in ({"markdown_percent": 50}, {"quality_state": "quarantine"}):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                Lot.create({"name": "Y-NEW", "product_id": self.yogurt.id, **vals})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Lot.with_context(default_markdown_percent=50).create(
                {"name": "Y-NEW", "product_id": self.yogurt.id}
            )
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "Y-NEW")]))
        lot = Lot.create({"name": "Y-NEW", "product_id": self.yogurt.id})
        self.assertEqual((lot.quality_state, lot.markdown_percent), ("released", 0))
        # A manager may.
        lot = (
            self.env["stock.lot"]
            .with_user(self.manager)
            .create({"name": "Y-NEW-2", "product_id": self.yogurt.id, "markdown_percent": 30})
        )
        self.assertEqual(lot.markdown_percent, 30)

    def test_import_cannot_change_markdown(self):
        Lot = self.env["stock.lot"].with_user(self.stock_user)
        fields_ = ["id", "name", "product_id/id", "markdown_percent"]
        xmlid = self.lot_late.export_data(["id"])["datas"][0][0]
        product = self.yogurt.export_data(["id"])["datas"][0][0]
        result = Lot.load(fields_, [[xmlid, "Y-LATE", product, "60"]])
        self.assertFalse(result["ids"])
        self.assertIn("Lot Tracking managers", result["messages"][0]["message"])
        result = Lot.load(fields_, [["", "Y-IMPORTED", product, "60"]])
        self.assertFalse(result["ids"])
        self.assertEqual(self.lot_late.markdown_percent, 0)
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "Y-IMPORTED")]))
        # Re-importing what was exported (unchanged rules) works.
        result = Lot.load(["id", "markdown_percent", "quality_state"], [[xmlid, "0", "released"]])
        self.assertEqual(result["ids"], self.lot_late.ids, result["messages"])

    def test_copy_of_a_blocked_lot_is_released(self):
        self.lot_late.markdown_percent = 20
        self.lot_late._lot_tracking_set_quality_state("blocked")
        copy = self.lot_late.with_user(self.stock_user).copy({"name": "Y-LATE-COPY"})
        self.assertEqual((copy.quality_state, copy.markdown_percent), ("released", 0))

    def test_manager_flows(self):
        wizard = (
            self.env["lot.tracking.quality.wizard"]
            .with_user(self.manager)
            .create({"lot_ids": self.lot_late.ids, "new_state": "blocked", "reason": "lab"})
        )
        wizard.action_apply()
        self.assertEqual(self.lot_late.quality_state, "blocked")
        suggestion = (
            self.env["lot.tracking.suggestion"]
            .sudo()
            .create(
                {
                    "lot_id": self.lot_soon.id,
                    "company_id": self.company.id,
                    "location_id": self.location.id,
                    "suggestion_type": "markdown",
                    "markdown_percent": 25,
                }
            )
        )
        suggestion.with_user(self.manager).action_apply()
        self.assertEqual(self.lot_soon.markdown_percent, 25)
        # System transitions, whoever triggers them.
        self.lot_none.with_user(self.stock_user)._lot_tracking_set_quality_state("quarantine")
        self.assertEqual(self.lot_none.quality_state, "quarantine")


@tagged("post_install", "-at_install")
class TestPosRpcInput(PosLotTrackingCommon):
    """Whatever the till sends, a clear error and nothing written, never a server error."""

    def _order_line(self, config_id=None):
        config_id = self.config.id if config_id is None else config_id
        return self.env["pos.order.line"].with_user(self.pos_user).with_context(config_id=config_id)

    def test_get_existing_lots_bad_input(self):
        company = self.company.id
        for company_id, product_id in [
            (company, "8712345000011"),
            (company, None),
            (company, [self.yogurt.id]),
            (company, True),
            (company, -3),
            (company, 10**9),  # unknown
            ("main", self.yogurt.id),
            (None, self.yogurt.id),
        ]:
            with self.subTest(company_id=company_id, product_id=product_id):
                with self.assertRaises(UserError):
                    self._order_line().get_existing_lots(company_id, product_id)
        for config_id in ["1", 10**9, False, [1]]:
            with self.subTest(config_id=config_id), self.assertRaises(UserError):
                self._order_line(config_id).get_existing_lots(company, self.yogurt.id)

    def test_other_company_product(self):
        company_2 = self.setup_other_company()["company"]
        product_2 = self._create_pos_lot_product("Other yogurt")
        product_2.company_id = company_2
        # A cashier of the shop does not see it; a user of both companies is told why.
        with self.assertRaises(AccessError):
            self._order_line().get_existing_lots(self.company.id, product_2.id)
        order_line = self.env["pos.order.line"].with_context(config_id=self.config.id)
        with self.assertRaisesRegex(UserError, "belongs to company_2"):
            order_line.get_existing_lots(self.company.id, product_2.id)
        with self.assertRaisesRegex(UserError, "belongs to company_2"):
            order_line.lot_tracking_check_lot(product_2.id, "Y-LATE")

    def test_check_lot_bad_input(self):
        order_line = self._order_line()
        for args in [
            ("abc", "Y-LATE"),
            (None, "Y-LATE"),
            (10**9, "Y-LATE"),
            (self.yogurt.id, None),
            (self.yogurt.id, 42),
            (self.yogurt.id, ["Y-LATE"]),
            (self.yogurt.id, "   "),
            (self.yogurt.id, "Y-LATE", "tomorrow"),
            (self.yogurt.id, "Y-LATE", 20260101),
        ]:
            with self.subTest(args=args), self.assertRaises(UserError):
                order_line.lot_tracking_check_lot(*args)

    def test_check_lot_malformed_gs1_label(self):
        order_line = self._order_line()
        gtin = gs1.normalize_gtin(self.yogurt.barcode)
        # 17 with month 13: the label cannot be read, and the till is told so.
        result = order_line.lot_tracking_check_lot(self.yogurt.id, f"01{gtin}17261399" + "10SUP-1")
        self.assertFalse(result["lot"])
        self.assertIn("Unreadable GS1 label", result["reason"])
        self.assertIn("not a valid date", result["reason"])
        # A very long code is quoted on 100 characters at most.
        result = order_line.lot_tracking_check_lot(self.yogurt.id, "X" * 5000)
        self.assertFalse(result["lot"])
        self.assertIn("X" * 100 + "…", result["reason"])
        self.assertNotIn("X" * 101, result["reason"])

    def test_sync_with_bad_lot_step_values_keeps_the_sale(self):
        self.open_new_session()
        data = self.create_ui_order_data([(self.yogurt, 1)])
        line = data["lines"][0][2]
        line["pack_lot_ids"] = [Command.create({"lot_name": "Y-LATE"})]
        line.update(lot_selection_ms=10**12, lot_auto_selected="yes")
        data.update(state="paid", access_token=str(uuid4()))
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.lines.lot_selection_ms, 2**31 - 1)
        self.assertFalse(order.lines.lot_auto_selected)
        data = self.create_ui_order_data([(self.yogurt, 1)])
        data["lines"][0][2].update(
            pack_lot_ids=[Command.create({"lot_name": "Y-LATE"})], lot_selection_ms="fast"
        )
        data.update(state="paid", access_token=str(uuid4()))
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual((order.state, order.lines.lot_selection_ms), ("paid", 0))


@tagged("post_install", "-at_install")
class TestPosDiscountViolation(PosLotTrackingCommon):
    """A discount above the lot's markdown, where only managers may give one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_late.markdown_percent = 20
        cls.config.write({"manual_discount": True, "restrict_price_control": True})
        cls.pos_manager = _user(cls.env, "lt_pos_manager", "point_of_sale.group_pos_manager")

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sell(self, discount, cashier=None, lot_name="Y-LATE"):
        data = self.create_ui_order_data([(self.yogurt, 1, discount)])
        data["lines"][0][2]["pack_lot_ids"] = [Command.create({"lot_name": lot_name})]
        data.update(state="paid", access_token=str(uuid4()), user_id=(cashier or self.pos_user).id)
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid", "a sale is never refused")
        events = self.env["lot.tracking.event"].sudo().search([("pos_order_id", "=", order.id)])
        return events.filtered(lambda e: e.event_type == "violation")

    def test_discount_above_markdown_by_a_cashier_is_a_violation(self):
        violation = self._sell(30)
        self.assertEqual(len(violation), 1)
        self.assertEqual(violation.lot_id, self.lot_late)
        self.assertIn("30.0% off lot Y-LATE, whose markdown is 20.0%", violation.note)
        self.assertIn("Cashier", violation.note)
        activity = self.lot_late.sudo().activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("lot_tracking.group_lot_tracking_manager"))
        # Manual discounts off altogether: the same.
        self.config.write({"manual_discount": False, "restrict_price_control": False})
        self.assertEqual(len(self._sell(30)), 1)
        # A lot without markdown: any discount is above it.
        self.assertEqual(len(self._sell(5, lot_name="Y-SOON")), 1)

    def test_allowed_discounts_are_not_violations(self):
        self.assertFalse(self._sell(20), "the markdown itself")
        self.assertFalse(self._sell(30, cashier=self.pos_manager), "a POS manager may")
        self.config.write({"restrict_price_control": False})
        self.assertFalse(self._sell(30), "manual discounts allowed to everyone")


@tagged("post_install", "-at_install")
class TestPosLotNotification(PosLotTrackingCommon):
    """A change of what the till allows or charges reaches the open sessions at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = _user(
            cls.env,
            "lt_notify_manager",
            "stock.group_stock_user",
            "lot_tracking.group_lot_tracking_manager",
        )
        cls.closed_config = cls.env["pos.config"].create({"name": "Closed shop"})

    def setUp(self):
        super().setUp()
        self.open_new_session()
        self.other_currency_config.open_ui()
        self.open_configs = self.config | self.other_currency_config
        self.env.cr.precommit.run()  # what the set-up sent is not ours to count
        self.last_bus_id = self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id

    def _notifications(self):
        self.env.cr.precommit.run()  # what a commit does first
        messages = self.env["bus.bus"].sudo().search([("id", ">", self.last_bus_id)])
        result = {}
        for message in messages:
            content = json.loads(message.message)
            if content["type"].endswith("-LOT_TRACKING_LOTS"):
                config = self.env["pos.config"].search(
                    [("access_token", "=", json.loads(message.channel)[1])]
                )
                self.assertEqual(content["type"], f"{config.access_token}-LOT_TRACKING_LOTS")
                result.setdefault(config, []).append(content["payload"])
        return result

    def test_blocked_lot_is_sent_once_to_each_open_pos(self):
        self.env["lot.tracking.quality.wizard"].with_user(self.manager).create(
            {"lot_ids": self.lot_soon.ids, "new_state": "blocked", "reason": "lab"}
        ).action_apply()
        notifications = self._notifications()
        self.assertEqual(set(notifications), set(self.open_configs))
        for payloads in notifications.values():
            self.assertEqual(len(payloads), 1)
            [lot] = payloads[0]["stock.lot"]
            self.assertEqual(
                {key: lot[key] for key in ("id", "name", "product_id", "sale_block_reason")},
                {
                    "id": self.lot_soon.id,
                    "name": "Y-SOON",
                    "product_id": self.yogurt.id,
                    "sale_block_reason": "Blocked",
                },
            )
        self.assertEqual(notifications[self.config][0]["stock.lot"][0]["product_qty"], 3)

    def test_changes_of_a_transaction_are_sent_together(self):
        suggestions = (
            self.env["lot.tracking.suggestion"]
            .sudo()
            .create(
                [
                    {
                        "lot_id": lot.id,
                        "company_id": self.company.id,
                        "location_id": self.location.id,
                        "suggestion_type": "markdown",
                        "markdown_percent": 30,
                    }
                    for lot in self.lot_soon | self.lot_late
                ]
            )
        )
        suggestions.with_user(self.manager).action_apply()
        self.lot_recalled.with_user(self.manager)._lot_tracking_set_quality_state("released")
        notifications = self._notifications()
        self.assertEqual(set(notifications), set(self.open_configs))
        [payload] = notifications[self.config]
        lots = {lot["name"]: lot for lot in payload["stock.lot"]}
        self.assertEqual(set(lots), {"Y-SOON", "Y-LATE", "Y-RECALLED"})
        self.assertEqual(lots["Y-LATE"]["markdown_percent"], 30)
        self.assertFalse(lots["Y-RECALLED"]["sale_block_reason"])
        self.assertEqual(lots["Y-RECALLED"]["product_qty"], 4)

    def test_nothing_sent_without_change_or_for_other_products(self):
        self.lot_soon.with_user(self.manager).write({"markdown_percent": 0, "note": "x"})
        self.assertFalse(self._notifications())
        flour = self._create_pos_lot_product("Flour")
        flour.available_in_pos = False
        lot = self._create_lot(flour, "F-1", 30, qty=5)
        lot._lot_tracking_set_quality_state("blocked")
        self.assertFalse(self._notifications())


@tagged("post_install", "-at_install")
class TestPosGs1Barcodes(PosLotTrackingCommon):
    """A GS1 label carries the product's EAN-13 as a GTIN-14: the till finds the product."""

    def test_gtin_forms(self):
        self.assertEqual(gs1.gtin_forms("09506000134352"), ["09506000134352", "9506000134352"])
        self.assertEqual(gs1.gtin_forms("9506000134352"), ["9506000134352", "09506000134352"])
        self.assertEqual(
            gs1.gtin_forms("012345678905"), ["012345678905", "00012345678905", "0012345678905"]
        )
        self.assertEqual(gs1.gtin_forms("09506000134353"), [], "wrong check digit")
        self.assertEqual(gs1.gtin_forms("Y-SOON"), [])

    def _find(self, barcode):
        self.open_new_session()
        session = self.pos_session.with_user(self.pos_user)
        return session.find_product_by_barcode(barcode, self.config.id)["product.product"]

    def test_label_gtin_14_finds_the_ean_13_product(self):
        [product] = self._find("08712345000011")
        self.assertEqual(product["id"], self.yogurt.id)
        self.assertEqual(product["barcode"], "8712345000011")

    def test_plain_ean_13_finds_a_gtin_14_product(self):
        self.yogurt.barcode = "08712345000011"
        [product] = self._find("8712345000011")
        self.assertEqual(product["id"], self.yogurt.id)

    def test_other_numbers_find_nothing(self):
        self.assertEqual(self._find("08712345000012"), [], "wrong check digit")
        self.assertEqual(self._find("18712345000018"), [], "another packaging level")
        self.assertEqual(self._find("Y-SOON"), [])

    def test_setting_reads_gs1_labels_and_keeps_ean_13(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("point_of_sale.fallback_nomenclature_id", False)
        gs1_nomenclature = self.env.ref("barcodes_gs1_nomenclature.default_gs1_nomenclature")
        default = self.env.ref("barcodes.default_barcode_nomenclature")
        self.company.nomenclature_id = default
        settings = Form(self.env["res.config.settings"].with_company(self.company))
        self.assertFalse(settings.lot_tracking_pos_gs1)
        settings.lot_tracking_pos_gs1 = True
        self.assertEqual(settings.barcode_nomenclature_id, gs1_nomenclature)
        settings.save().execute()
        self.assertEqual(self.company.nomenclature_id, gs1_nomenclature)
        self.assertEqual(
            params.get_param("point_of_sale.fallback_nomenclature_id"), str(default.id)
        )
        self.open_new_session()
        self.assertEqual(self.pos_session._get_pos_fallback_nomenclature_id(), default.id)
        # Core's GS1 nomenclature reads the label; the fallback reads the plain EAN-13.
        label = gs1_nomenclature.parse_nomenclature_barcode("0108712345000011" + "10Y-SOON")
        self.assertEqual(
            [(p["type"], p["value"]) for p in label],
            [("product", "08712345000011"), ("lot", "Y-SOON")],
        )
        self.assertEqual(default.parse_barcode("8712345000011")["type"], "product")

        settings = Form(self.env["res.config.settings"].with_company(self.company))
        self.assertTrue(settings.lot_tracking_pos_gs1)
        settings.lot_tracking_pos_gs1 = False
        settings.save().execute()
        self.assertEqual(self.company.nomenclature_id, default)
