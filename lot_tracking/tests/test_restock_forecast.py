from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_analytics import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestRestockForecast(AnalyticsCommon):
    """Yogurt sold 90 from the warehouse over the 30-day window: 3 a day. In stock: lot A, 50
    expiring in 10 days; lot B, 40 expiring in 100 days; lot C, 5 blocked. Selling first to
    expire first, A sells 30 by its expiry and 20 expire unsold; B is gone long before its
    expiry. Sellable 90 (30 days of cover), usable 70 (23.3 days). The vendor delivers in 20
    days, the safety stock is 10 days: 90 needed, 8 already on order: 90 - 70 - 8 = 12 to order.
    Core's replenishment would count all 95 units on hand and order nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.lot_tracking_safety_days = 10
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.supplier.id,
                "product_tmpl_id": cls.yogurt.product_tmpl_id.id,
                "delay": 20,
                "price": 5.0,
            }
        )

    def _expires(self, lot, days):
        cutoff = fields.Datetime.now() + timedelta(days=days)
        lot.write({"expiration_date": cutoff, "removal_date": cutoff})

    def _stock_up(self):
        sold = self._receive(self.yogurt, 90)
        self._deliver(self.yogurt, sold, 90)
        lot_a = self._receive(self.yogurt, 50)
        lot_b = self._receive(self.yogurt, 40)
        lot_c = self._receive(self.yogurt, 5)
        self._expires(lot_a, 10)
        self._expires(lot_b, 100)
        self._expires(lot_c, 100)
        lot_c._lot_tracking_set_quality_state("blocked")
        self.incoming = self._purchase([(self.yogurt, 8, 5.0)])
        return lot_a, lot_b, lot_c

    def _forecast(self, product=None):
        self.env.invalidate_all()  # a report: read it afresh, as a new request would
        return self.env["lot.tracking.restock.forecast"].search(
            [
                ("product_id", "=", (product or self.yogurt).id),
                ("warehouse_id", "=", self.warehouse.id),
            ]
        )

    def test_two_lots_one_expires_before_it_sells(self):
        self._stock_up()
        forecast = self._forecast()
        self.assertRecordValues(
            forecast,
            [
                {
                    "company_id": self.company.id,
                    "vendor_id": self.supplier.id,
                    "qty_on_hand": 95.0,
                    "qty_sellable": 90.0,
                    "daily_demand": 3.0,
                    "days_of_cover": 30.0,
                    "qty_expiring": 20.0,
                    "qty_usable": 70.0,
                    "qty_incoming": 8.0,
                    "lead_days": 20,
                    "safety_days": 10,
                    "qty_target": 90.0,
                    "qty_to_order": 12.0,
                }
            ],
        )
        self.assertAlmostEqual(forecast.usable_cover_days, 70 / 3)

    def test_pace_is_the_slow_mover_pace(self):
        """One velocity: the forecast's demand is the suggestions' pace summed over the
        warehouse's locations."""
        self._stock_up()
        velocity = self.env["stock.move.line"]._lot_tracking_velocity(
            self.company, fields.Datetime.now()
        )
        self.assertEqual(velocity[self.yogurt, self.stock_location], 3.0)
        self.company.lot_tracking_velocity_days = 45
        self.assertEqual(self._forecast().daily_demand, 2.0)

    def test_no_expiry_no_loss_and_nothing_to_order(self):
        """With B expiring in 100 days and A not expiring at all, nothing expires unsold; the
        90 usable cover the 90 needed: nothing to order."""
        lot_a, __, __ = self._stock_up()
        lot_a.write({"expiration_date": False, "removal_date": False})
        self.assertRecordValues(
            self._forecast(),
            [{"qty_expiring": 0.0, "qty_usable": 90.0, "days_of_cover": 30.0, "qty_to_order": 0.0}],
        )
        with self.assertRaisesRegex(UserError, "nothing to order"):
            self._forecast().action_lot_tracking_create_rfq()

    def test_update_replenishment_rule(self):
        """The rule's minimum and maximum are the needed cover plus what will not sell in
        time (95 on hand - 70 usable): 115. Core's rule then orders the same 12."""
        self._stock_up()
        action = self._forecast().action_lot_tracking_update_orderpoint()
        orderpoint = self.env["stock.warehouse.orderpoint"].search(action["domain"])
        self.assertRecordValues(
            orderpoint,
            [
                {
                    "product_id": self.yogurt.id,
                    "location_id": self.stock_location.id,
                    "product_min_qty": 115.0,
                    "product_max_qty": 115.0,
                }
            ],
        )
        self.assertEqual(orderpoint.qty_to_order, 12.0)
        # once more: the same rule, updated
        self.company.lot_tracking_safety_days = 20  # 3 x 40 = 120 needed
        self._forecast().action_lot_tracking_update_orderpoint()
        rules = self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.yogurt.id)])
        self.assertEqual(rules, orderpoint)
        self.assertEqual(orderpoint.product_min_qty, 145.0)

    def test_request_for_quotation(self):
        self._stock_up()
        action = self._forecast().action_lot_tracking_create_rfq()
        order = self.env["purchase.order"].browse(action["res_id"])
        self.assertEqual((order.state, order.partner_id), ("draft", self.supplier))
        self.assertEqual(order.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(
            [(line.product_id, line.product_qty) for line in order.order_line],
            [(self.yogurt, 12.0)],
        )
        self.company.lot_tracking_safety_days = 12  # 3 x 32 = 96 needed: 18 to order
        action = self._forecast().action_lot_tracking_create_rfq()
        self.assertEqual(action["res_id"], order.id, "the open draft is updated")
        self.assertEqual(order.order_line.product_qty, 18.0)

    def test_product_without_vendor_or_sales(self):
        self._stock_up()
        self.yogurt.seller_ids.unlink()
        forecast = self._forecast()
        self.assertFalse(forecast.vendor_id)
        self.assertEqual((forecast.lead_days, forecast.qty_to_order), (0, 0.0))
        self.company.lot_tracking_safety_days = 40  # 120 needed - 70 - 8: 42 to order
        forecast = self._forecast()
        self.assertEqual(forecast.qty_to_order, 42.0)
        orders = self.env["purchase.order"].search_count([])
        with self.assertRaisesRegex(UserError, "Add a vendor to .*Yogurt"):
            forecast.action_lot_tracking_create_rfq()
        self.assertEqual(self.env["purchase.order"].search_count([]), orders)

        unsold = self._receive(self.cheese, 10)
        self._expires(unsold, 5)
        forecast = self._forecast(self.cheese)
        self.assertRecordValues(
            forecast, [{"daily_demand": 0.0, "qty_expiring": 10.0, "qty_to_order": 0.0}]
        )
        self.assertFalse(forecast.days_of_cover)
        with self.assertRaisesRegex(UserError, "no pace"):
            forecast.action_lot_tracking_update_orderpoint()
