from datetime import timedelta
from uuid import uuid4

from odoo import Command, fields
from odoo.tests import tagged

from .test_pos import PosLotTrackingCommon


@tagged("post_install", "-at_install")
class TestPosAnalytics(PosLotTrackingCommon):
    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sell(self, lines, state="paid"):
        """Sync an order of ``[(qty, lot name, auto-selected, selection ms), …]`` of yogurt."""
        data = self.create_ui_order_data(
            [
                {
                    "product": self.yogurt,
                    "quantity": qty,
                    "lot_auto_selected": auto,
                    "lot_selection_ms": ms,
                }
                for qty, __, auto, ms in lines
            ]
        )
        for line, (__, lot_name, __, __) in zip(data["lines"], lines, strict=True):
            line[2]["pack_lot_ids"] = [Command.create({"lot_name": lot_name})]
        data.update(state=state, access_token=str(uuid4()))
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _time_saved(self, configs=None, date_from=None, date_to=None):
        today = fields.Date.today()
        return (configs or self.config)._lot_tracking_time_saved(
            date_from or today, date_to or today
        )

    def test_time_saved_medians_of_even_counts(self):
        """Automatic lines 100, 300, 200, 500 ms: median 250; manual lines 2000, 4000, 3000,
        5000 ms: median 3500. 3250 ms saved per line, times 4 automatic lines = 13000 ms over 3
        orders = 4333.33 ms per transaction."""
        self._sell([(1, "Y-LATE", True, 100), (1, "Y-LATE", True, 300)])
        self._sell([(1, "Y-LATE", False, 2000), (1, "Y-NONE", False, 4000)])
        self._sell(
            [
                (1, "Y-LATE", True, 200),
                (1, "Y-SOON", True, 500),
                (1, "Y-NONE", False, 3000),
                (1, "Y-NONE", False, 5000),
                (1, "Y-NONE", False, 0),  # not measured
            ]
        )
        # Not counted: an order still in draft, a refund line, an order of yesterday.
        self._sell([(1, "Y-LATE", True, 9000)], state="draft")
        self._sell([(-1, "Y-LATE", False, 9000)])
        old = self._sell([(1, "Y-LATE", False, 9000)])
        old.date_order = fields.Datetime.now() - timedelta(days=1)

        result = self._time_saved()
        self.assertEqual(
            result,
            {
                "auto_lines": 4,
                "manual_lines": 4,
                "auto_ms_median": 250,
                "manual_ms_median": 3500,
                "saved_ms_per_line": 3250,
                "saved_ms_total": 13000,
                "transactions": 3,
                "saved_ms_per_transaction": 13000 / 3,
            },
        )
        yesterday = fields.Date.today() - timedelta(days=1)
        result = self._time_saved(date_from=yesterday, date_to=yesterday)
        self.assertEqual((result["manual_lines"], result["manual_ms_median"]), (1, 9000))
        self.assertEqual((result["auto_lines"], result["saved_ms_total"]), (0, 0))

    def test_time_saved_without_lines_is_zero(self):
        self.assertEqual(
            self._time_saved(),
            {
                "auto_lines": 0,
                "manual_lines": 0,
                "auto_ms_median": 0,
                "manual_ms_median": 0,
                "saved_ms_per_line": 0,
                "saved_ms_total": 0,
                "transactions": 0,
                "saved_ms_per_transaction": 0,
            },
        )

    def test_time_saved_by_config(self):
        self._sell([(1, "Y-LATE", True, 100), (1, "Y-LATE", False, 700)])
        other = self.config.copy({"name": "Other Till"})
        self.assertEqual(self._time_saved(other)["transactions"], 0)
        both = self._time_saved(self.config | other)
        self.assertEqual((both["transactions"], both["saved_ms_per_line"]), (1, 600))

    def test_pos_sale_counts_once_its_picking_is_done(self):
        self.pos_session.update_stock_at_closing = True
        Analysis = self.env["lot.tracking.analysis"]
        self._sell([(2, "Y-LATE", True, 100)])
        row = Analysis.search([("lot_id", "=", self.lot_late.id)])
        self.assertEqual((row.qty_sold, row.qty_on_hand), (0.0, 10.0), "no picking yet")
        self.pos_session.post_closing_cash_details(self.pos_session.order_ids.amount_paid)
        self.pos_session.close_session_from_ui()
        self.assertEqual(self.pos_session.picking_ids.state, "done")
        self.env.invalidate_all()
        row = Analysis.search([("lot_id", "=", self.lot_late.id)])
        self.assertEqual((row.qty_sold, row.qty_on_hand), (2.0, 8.0))
