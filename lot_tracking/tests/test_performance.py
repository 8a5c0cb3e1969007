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


@tagged("post_install", "-at_install")
class TestValuationReportQueryCount(LotTrackingCommon):
    """The per-lot valuation report is one grouped query whatever the number of lots."""

    def _product_with_lots(self, count):
        product = self._create_lot_product(f"Valued {count}", False)
        lots = self.env["stock.lot"].create(
            [
                {"name": f"V{count}-{i}", "product_id": product.id, "company_id": self.company.id}
                for i in range(count)
            ]
        )
        self.env["stock.valuation.layer"].create(
            [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "quantity": 2,
                    "value": 2 * (i + 1),
                    "unit_cost": i + 1,
                    "company_id": self.company.id,
                }
                for i, lot in enumerate(lots)
            ]
        )
        return product

    def _read_report(self, product):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        Report = self.env["lot.tracking.valuation.report"]
        rows = Report.search_read(
            [("product_id", "=", product.id)],
            ["lot_id", "product_id", "quantity", "unit_cost", "value", "quality_state"],
        )
        totals = Report.read_group([("product_id", "=", product.id)], ["value:sum"], [])
        return self.env.cr.sql_log_count - before, rows, totals[0]["value"]

    def test_same_queries_for_1_and_500_lots(self):
        one, many = self._product_with_lots(1), self._product_with_lots(500)
        self._read_report(one)  # warm-up
        queries_one, rows, total = self._read_report(one)
        self.assertEqual((len(rows), total), (1, 2.0))
        with self.assertQueryCount(queries_one):
            queries_many, rows, total = self._read_report(many)
        self.assertEqual(queries_many, queries_one)
        self.assertEqual((len(rows), total), (500, sum(2 * (i + 1) for i in range(500))))
