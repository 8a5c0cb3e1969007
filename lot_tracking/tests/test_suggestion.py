from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import format_date

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestSlowMovers(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.env["stock.location"].create(
            {"name": "Shop", "location_id": cls.warehouse.view_location_id.id, "usage": "internal"}
        )
        cls.tea = cls._create_lot_product("Tea", "2000000000084")
        cls.jam = cls._create_lot_product("Jam", False)
        cls.oil = cls._create_lot_product("Oil", False)

    def _lot(self, product, name, days, qty, location=None, **vals):
        lot = self.env["stock.lot"].create(
            {
                "name": name,
                "product_id": product.id,
                "company_id": self.company.id,
                "expiration_date": fields.Datetime.now() + timedelta(days=days),
                # received before the observation window: its pace is known
                "receipt_date": fields.Datetime.now() - timedelta(days=45),
                **vals,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            product, location or self.stock_location, qty, lot_id=lot
        )
        return lot

    def _sell(self, product, qty, location=None):
        """Past sales that set the product's pace at a location."""
        lot = self._lot(product, f"SOLD-{product.name}-{qty}", 400, qty, location)
        self._deliver(product, lot, qty, location=location)

    def _suggest(self):
        """Run the daily cron; return the suggestions it made."""
        Suggestion = self.env["lot.tracking.suggestion"]
        before = Suggestion.search([])
        Suggestion._cron_lot_tracking_suggestions()
        return Suggestion.search([]) - before

    def test_slow_lots_get_one_suggestion_each_and_fast_lots_none(self):
        self._sell(self.tea, 30)  # 1 a day at the stock
        slow = self._lot(self.tea, "SLOW", 20, 100)
        self._lot(self.tea, "FAST", 200, 5)
        self._sell(self.jam, 3)  # 0.1 a day at the stock …
        self._sell(self.jam, 300, self.shop)  # … 10 a day at the shop
        stale = self._lot(self.jam, "STALE", 15, 20)
        unsold = self._lot(self.oil, "UNSOLD", 30, 5, supplier_id=self.supplier.id)
        suggestions = self._suggest()
        by_lot = {s.lot_id: s for s in suggestions}
        self.assertEqual(set(by_lot), {slow, stale, unsold})
        self.assertRecordValues(
            by_lot[slow],
            [
                {
                    "suggestion_type": "markdown",
                    "markdown_percent": 50.0,
                    "quantity": 100,
                    "daily_sales": 1.0,
                }
            ],
        )
        self.assertRecordValues(
            by_lot[stale],
            [{"suggestion_type": "transfer", "dest_location_id": self.shop.id, "quantity": 20}],
        )
        self.assertEqual(by_lot[unsold].suggestion_type, "return")
        self.assertFalse(self._suggest(), "one open suggestion per lot")

        with self.assertRaises(AccessError):
            suggestions.with_user(self.stock_user).action_apply()
        suggestions.with_user(self.manager).action_apply()
        self.assertEqual(slow.markdown_percent, 50.0)
        transfer = by_lot[stale].picking_id
        self.assertEqual(
            (transfer.picking_type_id, transfer.location_dest_id, transfer.move_line_ids.lot_id),
            (self.warehouse.int_type_id, self.shop, stale),
        )
        self.assertEqual(transfer.move_line_ids.quantity, 20)
        back = by_lot[unsold].picking_id
        self.assertEqual((back.partner_id, back.move_line_ids.lot_id), (self.supplier, unsold))
        self.assertEqual(back.location_dest_id, self.env.ref("stock.stock_location_suppliers"))
        with self.assertRaisesRegex(UserError, "already been decided"):
            by_lot[slow].with_user(self.manager).action_dismiss()

    def test_moderate_markdown_and_dismiss(self):
        self._sell(self.tea, 30)
        lot = self._lot(self.tea, "BIT-SLOW", 20, 25)  # 25 days to sell, 20 left: 20 % faster
        suggestion = self._suggest()
        self.assertEqual(
            (suggestion.suggestion_type, suggestion.markdown_percent), ("markdown", 20.0)
        )
        self.assertEqual(
            suggestion.reason,
            f"Sells 1.0 Units a day at {self.stock_location.display_name}: this lot would last 25 "
            f"days, but must be sold by {format_date(self.env, lot.expiration_date)}.",
        )
        suggestion.with_user(self.manager).action_dismiss()
        self.assertEqual((suggestion.state, lot.markdown_percent), ("dismissed", 0.0))

    def test_young_lots_have_no_pace_yet(self):
        """Day one: nothing sold yet, fresh goods are not 'slow movers' to send back."""
        now = fields.Datetime.now()
        self._lot(self.oil, "FRESH", 700, 50, supplier_id=self.supplier.id, receipt_date=now)
        self.assertFalse(self._suggest())
        old = self._lot(self.oil, "OLD", 700, 50, supplier_id=self.supplier.id)
        suggestion = self._suggest()
        self.assertEqual((suggestion.lot_id, suggestion.suggestion_type), (old, "return"))
        self.assertIn(
            f"No sale at {self.stock_location.display_name} in the last 30 days", suggestion.reason
        )
        # Apply opens the return it created, which says why
        action = suggestion.with_user(self.manager).action_apply()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("stock.picking", suggestion.picking_id.id)
        )
        self.assertIn("No sale", suggestion.picking_id.message_ids[:1].body)
