import json
import logging
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import Command, fields
from odoo.tests import Form, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestPosLotTrackingTour(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        company = cls.main_pos_config.company_id
        company.point_of_sale_update_stock_quantities = "real"
        # GS1 labels at the till, as the module's setting configures the shop.
        settings = Form(cls.env["res.config.settings"].with_company(company))
        settings.lot_tracking_pos_gs1 = True
        settings.save().execute()
        # Cashiers may type a lot here: a typed lot is then checked like a scanned one.
        cls.main_pos_config.picking_type_id.use_create_lots = True
        cls.location = cls.main_pos_config.picking_type_id.default_location_src_id
        cls.yogurt = cls.env["product.product"].create(
            {
                "name": "Yogurt",
                # The product's EAN-13; its labels carry it as the GTIN-14 08712345000011.
                "barcode": "8712345000011",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "available_in_pos": True,
                "list_price": 2.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.lots = {
            name: cls._create_lot(name, days, qty, **vals)
            for name, days, qty, vals in [
                ("Y-SOON", 5, 3, {}),
                ("Y-LATE", 20, 10, {"supplier_lot_code": "SUP-LATE"}),
                ("Y-NONE", None, 5, {}),
                ("Y-EXPIRED", -1, 4, {}),
                ("Y-RECALLED", 2, 4, {}),
            ]
        }
        cls.lots["Y-RECALLED"]._lot_tracking_set_quality_state("recalled")
        # a slow mover marked down: the till applies it as the line's discount
        cls.lots["Y-LATE"].markdown_percent = 20

    @classmethod
    def _create_lot(cls, name, days, qty, **vals):
        lot = cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": cls.yogurt.id,
                "expiration_date": days is not None
                and fields.Datetime.now() + timedelta(days=days),
                **vals,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.yogurt, cls.location, qty, lot_id=lot)
        return lot

    def _qty(self, name):
        return self.env["stock.quant"]._get_available_quantity(
            self.yogurt, self.location, lot_id=self.lots[name], strict=True
        )

    def test_lot_tracking_pos_tour(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("lot_tracking_pos_tour")

        order = self.main_pos_config.current_session_id.order_ids
        self.assertEqual(order.state, "paid")
        lines = [
            (line.pack_lot_ids.lot_name, line.qty, line.lot_auto_selected, line.discount)
            for line in order.lines
        ]
        self.assertEqual(
            lines,
            [("Y-SOON", 3, True, 0), ("Y-NONE", 2, False, 0), ("Y-LATE", 1, False, 20)],
        )
        self.assertAlmostEqual(order.amount_total, 3 * 2 + 2 * 2 + 1 * 2 * 0.8)
        self.assertEqual(self.env["stock.lot"].search_count([("name", "=", "SUP-LATE")]), 0)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(
            [self._qty(name) for name in ("Y-SOON", "Y-NONE", "Y-LATE", "Y-EXPIRED")],
            [0, 3, 9, 4],
        )
        sold = (
            self.env["lot.tracking.event"]
            .sudo()
            .search([("pos_order_id", "=", order.id), ("event_type", "=", "sold")])
        )
        self.assertEqual(sorted(sold.lot_id.mapped("name")), ["Y-LATE", "Y-NONE", "Y-SOON"])
        auto, manual = order.lines[0], order.lines[1]
        self.assertGreater(manual.lot_selection_ms, auto.lot_selection_ms)
        _logger.info(
            "Lot step: pre-selected %d ms, 0 taps; chosen by hand %d ms, 3 taps",
            auto.lot_selection_ms,
            manual.lot_selection_ms,
        )

    def _bus_messages(self, after_id=0):
        """The ``LOT_TRACKING_LOTS`` messages sent to the main POS, as the bus carries them."""
        self.env.cr.precommit.run()  # what a commit does first
        token = self.main_pos_config.access_token
        return [
            json.loads(message.message)
            for message in self.env["bus.bus"].sudo().search([("id", ">", after_id)])
            if json.loads(message.channel)[1] == token
            and json.loads(message.message)["type"] == f"{token}-LOT_TRACKING_LOTS"
        ]

    def test_lot_tracking_pos_realtime_tour(self):
        """A lot blocked while the till is open is refused there at once, without reloading."""
        self.pos_user.groups_id += self.env.ref("lot_tracking.group_lot_tracking_manager")
        self.main_pos_config.with_user(self.pos_user).open_ui()
        lot = self.lots["Y-SOON"]
        self.env.cr.precommit.run()
        last_id = self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id
        # The message the server sends when a manager blocks Y-SOON, for the tour to deliver
        # (websockets are off under tests); rolled back: the tour blocks it for real.
        with self.assertRaises(InterruptedError), self.env.cr.savepoint():
            lot._lot_tracking_set_quality_state("blocked", note="Lab")
            [message] = self._bus_messages(last_id)
            raise InterruptedError
        self.assertEqual(lot.quality_state, "released")
        self.assertEqual(message["payload"]["stock.lot"][0]["sale_block_reason"], "Blocked")

        url = f"{self._get_url()}&{url_encode({'lot_tracking_message': json.dumps(message)})}"
        self.start_tour(url, "lot_tracking_pos_realtime_tour", login="pos_user")

        self.assertEqual(lot.quality_state, "blocked")
        sent = self._bus_messages(last_id)
        self.assertEqual(len(sent), 1, "one notification for the open POS")
        self.assertEqual(sent[0]["payload"], message["payload"], "the tour delivered it")

    def test_lot_tracking_pos_gs1_tour(self):
        """GS1 labels at the till: the element string and the Digital Link of the product's
        EAN-13 find it and its lot, offline too; the plain EAN-13 still scans."""
        nomenclature = self.main_pos_config.company_id.nomenclature_id
        self.assertTrue(nomenclature.is_gs1_nomenclature)
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("lot_tracking_pos_gs1_tour")

        order = self.main_pos_config.current_session_id.order_ids
        self.assertEqual(order.state, "paid")
        lines = sorted(
            (line.pack_lot_ids.lot_name, line.qty, line.lot_auto_selected) for line in order.lines
        )
        self.assertEqual(
            lines,
            [("Y-LATE", 1, False), ("Y-LATE", 1, False), ("Y-NONE", 1, False), ("Y-SOON", 1, True)],
        )
        self.assertEqual(self.env["stock.lot"].search_count([("name", "=", "SUP-LATE")]), 0)
