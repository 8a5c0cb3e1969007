import logging
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestPosLotTrackingTour(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        company = cls.main_pos_config.company_id
        company.write(
            {
                "point_of_sale_update_stock_quantities": "real",
                "nomenclature_id": cls.env.ref(
                    "barcodes_gs1_nomenclature.default_gs1_nomenclature"
                ).id,
            }
        )
        # Cashiers may type a lot here: a typed lot is then checked like a scanned one.
        cls.main_pos_config.picking_type_id.use_create_lots = True
        cls.location = cls.main_pos_config.picking_type_id.default_location_src_id
        cls.yogurt = cls.env["product.product"].create(
            {
                "name": "Yogurt",
                "barcode": "08712345000011",
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
