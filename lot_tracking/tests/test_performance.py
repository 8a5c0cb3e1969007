from odoo.tests import tagged

from ..tools import gs1
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


@tagged("post_install", "-at_install")
class TestScanQueryCount(LotTrackingCommon):
    """A receiving scan costs the same on a receipt of 10 lines as on one of 100: it finds
    the label's move with one search instead of reading every line's product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Scan {i}",
                    "is_storable": True,
                    "tracking": "lot",
                    "use_expiration_date": True,
                    "categ_id": cls.stock_account_product_categ.id,
                    "barcode": f"21000000{i:04d}{gs1.gtin_check_digit(f'21000000{i:04d}')}",
                }
                for i in range(100)
            ]
        )

    def _scan(self, receipt, label):
        """Scan ``label`` on ``receipt`` as a fresh request does (cache cleared, records
        browsed again); return the queries it took and the move."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = self.env["stock.picking"].browse(receipt.id).lot_tracking_scan(label)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before, self.env["stock.move"].browse(result["move_id"])

    @staticmethod
    def _code(receipt, product):
        return f"A-{receipt.id}-{product.id}"

    def _announce(self, receipt, products):
        """A shipping notice on ``receipt``: one lot of each of ``products`` (``_code``)."""
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"ASN-{receipt.id}-{p.id}",
                    "product_id": p.id,
                    "company_id": self.company.id,
                    "supplier_id": self.supplier.id,
                    "supplier_lot_code": self._code(receipt, p),
                }
                for p in products
            ]
        )
        self.env["lot.tracking.asn.line"].create(
            [
                {
                    "picking_id": receipt.id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "quantity": 5,
                }
                for lot in lots
            ]
        )

    def _assert_same_queries(self, notice=False):
        expiry = self._in_days(60)
        receipts = {}
        for size in (1, 10, 100):
            receipts[size] = self._purchase([(p, 5, 1.0) for p in self.products[:size]])
            if notice:
                self._announce(receipts[size], self.products[:size])
        # the first scan fills the caches a running server has (env.ref, sequences)
        product = self.products[0]
        self._scan(receipts[1], self._label(product, self._code(receipts[1], product), expiry))
        product = self.products[5]
        label = self._label(product, self._code(receipts[10], product), expiry)
        queries, move = self._scan(receipts[10], label)
        self.assertEqual(move.product_id, product)
        product = self.products[50]
        label = self._label(product, self._code(receipts[100], product), expiry)
        with self.assertQueryCount(queries):
            queries_large, move = self._scan(receipts[100], label)
        self.assertEqual(queries_large, queries)
        self.assertEqual(move.product_id, product)
        return move

    def test_same_queries_for_10_and_100_lines(self):
        move = self._assert_same_queries()
        self.assertFalse(move.picking_id.lot_tracking_asn_line_ids)

    def test_same_queries_with_a_shipping_notice_of_10_and_100_lots(self):
        move = self._assert_same_queries(notice=True)
        Line = self.env["lot.tracking.asn.line"]
        read = Line.browse(self.env.cache.get_records(Line, Line._fields["lot_id"])._ids)
        self.assertEqual(read.product_id, move.product_id, "one notice line read, not 100")
        lines = move.picking_id.lot_tracking_asn_line_ids
        self.assertEqual(len(lines), 100)
        self.assertEqual(read.lot_id, move.move_line_ids.lot_id)
        self.assertEqual((read.state, read.quantity_received), ("partial", 1))

    def test_the_label_move_is_found_without_reading_the_receipt(self):
        receipt = self._purchase([(p, 5, 1.0) for p in self.products])
        data = gs1.parse(self._label(self.products[70], "FIND", self._in_days(60)))
        self.env.invalidate_all()
        move = self.env["stock.picking"].browse(receipt.id)._lot_tracking_scan_move(data)
        self.assertEqual(move.product_id, self.products[70])
        Move = self.env["stock.move"]
        read = Move.browse(self.env.cache.get_records(Move, Move._fields["product_id"])._ids)
        self.assertEqual(read, move, "one move read, not the receipt's 100")
