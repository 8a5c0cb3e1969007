from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestRecall(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.env["res.partner"].create(
            {"name": "Alice Buyer", "email": "alice@example.com", "phone": "+31 10 555 0101"}
        )
        cls.bob = cls.env["res.partner"].create({"name": "Bob Buyer", "phone": "+31 10 555 0202"})

    def _receive(self, code, qty):
        receipt = self._purchase([(self.yogurt, qty, 2.0)])
        receipt.lot_tracking_scan(self._label(self.yogurt, code, self._in_days(30), **{"37": qty}))
        return self._validate(receipt).move_line_ids.lot_id

    def _new_recall(self):
        recall = Form(self.env["lot.tracking.recall"].with_user(self.manager))
        recall.reason = "Listeria found by the supplier"
        recall.product_id = self.yogurt
        recall.supplier_id = self.supplier
        recall.received_from = self._in_days(-1)
        recall.received_to = self._in_days(0)
        return recall.save()

    def test_recall_end_to_end(self):
        lot_a, lot_b = self._receive("A", 10), self._receive("B", 4)
        other_product_lot = self._purchase([(self.cheese, 2, 1.0)])
        self._validate(other_product_lot)
        self._deliver(self.yogurt, lot_a, 3, self.alice)
        self._deliver(self.yogurt, lot_a, 2, self.bob)
        recall = self._new_recall()
        recall.action_select_lots()
        self.assertEqual(recall.lot_ids, lot_a | lot_b)
        with self.assertRaises(AccessError):
            recall.with_user(self.stock_user).action_activate()
        recall.with_user(self.manager).action_activate()
        self.assertEqual(recall.state, "active")
        self.assertEqual(set((lot_a | lot_b).mapped("quality_state")), {"recalled"})
        self.assertFalse(lot_a.is_sellable)
        self.assertEqual(len(lot_a.event_ids.filtered(lambda e: e.event_type == "recalled")), 1)
        customers = recall.customer_line_ids
        self.assertEqual(
            sorted(
                customers.mapped(lambda line: (line.partner_id.name, line.lot_id.id, line.quantity))
            ),
            [("Alice Buyer", lot_a.id, 3), ("Bob Buyer", lot_a.id, 2)],
        )
        self.assertEqual(recall.customer_count, 2)
        self.assertEqual(
            sorted(recall.stock_line_ids.mapped(lambda line: (line.lot_id.id, line.quantity))),
            sorted([(lot_a.id, 5), (lot_b.id, 4)]),
        )
        # recalled stock cannot go to customers any more
        delivery = self._delivery(self.yogurt, 1, self.alice)
        self.assertFalse(delivery.move_line_ids, "recalled lots are never reserved")
        with self.assertRaisesRegex(
            UserError,
            r"cannot be closed while recalled stock is left \(\S+: 5.00 Units in \w+/Stock; "
            r"\S+: 4.00 Units in \w+/Stock\)",
        ):
            recall.with_user(self.manager).action_close()
        # the PDF lists the customers with their contact details
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "lot_tracking.report_recall", recall.ids
            )[0]
        )
        for fact in ("Alice Buyer", "alice@example.com", "+31 10 555 0202", lot_a.name, "Listeria"):
            self.assertIn(fact, html)
        # stock leaves circulation: written off, then the recall closes
        self.company.lot_tracking_expiry_loss_account_id = self.env["account.account"].create(
            {"name": "Recall losses", "code": "LTREC", "account_type": "expense"}
        )
        (lot_a | lot_b).with_user(self.manager).action_lot_tracking_write_off(reason="Recall")
        recall.with_user(self.manager).action_close()
        self.assertEqual(recall.state, "closed")
        self.assertFalse(recall.stock_line_ids)
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("lot_tracking.report_recall", recall.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_recall_needs_lots_and_a_draft(self):
        recall = self._new_recall()
        with self.assertRaisesRegex(UserError, "Add the recalled lots first"):
            recall.with_user(self.manager).action_activate()
        with self.assertRaisesRegex(UserError, "Only an active recall can be closed"):
            recall.with_user(self.manager).action_close()
