from odoo.tests import tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestReceiptQueryCount(LotTrackingCommon):
    """The module's own work at receipt validation must not grow with the number of lines.

    Core's validation costs ~13 queries per lot-valuated line; the module's steps (numbering
    the lots, filling the twin, logging events, quarantine) cost the same for 1 and 50 lines.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Perf {i}",
                    "is_storable": True,
                    "tracking": "lot",
                    "use_expiration_date": True,
                    "expiration_time": 30,
                    "receipt_min_shelf_life_days": 5,
                    "categ_id": cls.stock_account_product_categ.id,
                }
                for i in range(50)
            ]
        )

    def _steps(self, size):
        """The module's steps on a fresh receipt of ``size`` lot lines, as a fresh request
        runs them (cache cleared, records browsed again)."""
        receipt = self._purchase([(p, 2, 3.0) for p in self.products[:size]])
        receipt.move_ids.picked = True
        Picking, Line = self.env["stock.picking"], self.env["stock.move.line"]
        lines = receipt.move_line_ids
        yield "naming", lambda: Picking.browse(receipt.id)._lot_tracking_assign_lot_names()
        self.assertEqual(len(set(lines.mapped("lot_name"))), size)
        yield "twin", lambda: [line._prepare_new_lot_vals() for line in Line.browse(lines.ids)]
        receipt.button_validate()
        self.assertEqual((receipt.state, len(lines.lot_id)), ("done", size))
        yield "after_receipt", lambda: Picking.browse(receipt.id)._lot_tracking_after_receipt()

    def _run(self, step):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        step()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_same_queries_for_1_and_50_lines(self):
        for _name, step in self._steps(1):  # warm caches (env.ref, sequence) like a server
            self._run(step)
        one = {name: self._run(step) for name, step in self._steps(1)}
        for name, step in self._steps(50):
            with self.subTest(step=name), self.assertQueryCount(one[name]):
                self.assertEqual(self._run(step), one[name])
