import base64
import io

import openpyxl

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.lot_tracking.tests.test_analytics import AnalyticsCommon

FIGURES = ["quantity", "revenue", "cost", "margin"]


@tagged("post_install", "-at_install")
class TestLotMarginDelivery(AnalyticsCommon):
    """Olive oil at 12.35 (+ 15 % tax), two lots bought at different costs: A, 7 at 4.37 and
    B, 3 at 6.18. A sales order of 10 is delivered from both lots (7 of A, 3 of B) and
    invoiced: 123.50 untaxed, 86.45 for A and 37.05 for B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.oil = cls._create_lot_product(
            "Olive Oil", "2000000000039", list_price=12.35, invoice_policy="delivery"
        )
        cls.tax = cls.env["account.tax"].create(
            {"name": "Sales 15 %", "amount": 15.0, "type_tax_use": "sale"}
        )
        cls.Margin = cls.env["lot.tracking.lot.margin"]

    def setUp(self):
        super().setUp()
        self.lot_a = self._receive(self.oil, 7, price=4.37)
        self.lot_b = self._receive(self.oil, 3, price=6.18)
        self.assertTrue(self.oil.lot_valuated)

    def _sell(self, deliveries, price=12.35, pricelist=None, quantity=None):
        """Confirm a sale of ``quantity`` of oil (by default what is delivered) and deliver
        ``[(lot, qty), …]`` (the rest, if any, is left in a backorder)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "pricelist_id": pricelist and pricelist.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.oil.id,
                            "product_uom_qty": quantity or sum(qty for __, qty in deliveries),
                            "price_unit": price,
                            "tax_id": [Command.set(self.tax.ids)],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        move = order.picking_ids.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            [
                {**move._prepare_move_line_vals(quantity=qty), "lot_id": lot.id}
                for lot, qty in deliveries
            ]
        )
        self._validate(order.picking_ids)
        self.assertEqual(order.order_line.qty_delivered, sum(qty for __, qty in deliveries))
        return order

    def _invoice(self, order, final=False):
        invoice = order._create_invoices(final=final)
        invoice.action_post()
        return invoice

    def _return_lot(self, order, lot, qty):
        """The customer brings back ``qty`` of ``lot`` (quantities updated on the order)."""
        delivery = order.picking_ids
        wizard = self.env["stock.return.picking"].create({"picking_id": delivery.id})
        wizard.product_return_moves.write({"quantity": qty, "to_refund": True})
        picking = wizard._create_return()
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {**move._prepare_move_line_vals(quantity=qty), "lot_id": lot.id}
        )
        return self._validate(picking)

    def _rows(self, env=None):
        self.env.flush_all()
        Margin = self.Margin.with_env(env) if env else self.Margin
        rows = Margin.search_read(
            [("product_id", "=", self.oil.id), ("source", "=", "delivery")],
            ["lot_name", *FIGURES],
            order="lot_name",
        )
        return {row["lot_name"]: tuple(row[name] for name in FIGURES) for row in rows}

    def test_delivered_lots_of_an_invoiced_line(self):
        """Delivered, not invoiced (or invoice in draft): nothing yet. Posted: each lot its
        share of 123.50 by quantity, at its own cost."""
        order = self._sell([(self.lot_a, 7), (self.lot_b, 3)])
        self.assertEqual(self._rows(), {}, "delivered but not invoiced")
        invoice = order._create_invoices()
        self.assertEqual(self._rows(), {}, "a draft invoice is no revenue")
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed, 123.5)
        self.assertEqual(
            self._rows(),
            {
                self.lot_a.name: (7.0, 86.45, 30.59, 55.86),
                self.lot_b.name: (3.0, 37.05, 18.54, 18.51),
            },
        )
        rows = self.Margin.search([("product_id", "=", self.oil.id)])
        self.assertEqual(set(rows.mapped("source")), {"delivery"})
        self.assertEqual(set(rows.mapped("reference")), {order.name})
        self.assertEqual(rows.partner_id, self.customer)
        self.assertEqual(rows.lot_id, self.lot_a | self.lot_b)
        self.assertEqual(rows.supplier_id, self.supplier)
        # the cost is what the delivery booked out of stock for each lot
        layers = order.picking_ids.move_ids.stock_valuation_layer_ids
        self.assertAlmostEqual(-sum(layers.mapped("value")), sum(rows.mapped("cost")))

    def test_invoiced_before_delivered(self):
        """Invoiced on order (10 units, 123.50) with only 7 of A shipped yet: A gets the 7
        units' share, 86.45, not the whole invoice; B's 37.05 waits for B to ship."""
        self.oil.invoice_policy = "order"
        order = self._sell([(self.lot_a, 7)], quantity=10)
        invoice = self._invoice(order)
        self.assertEqual(invoice.amount_untaxed, 123.5)
        self.assertEqual(self._rows(), {self.lot_a.name: (7.0, 86.45, 30.59, 55.86)})

    def test_partly_credited(self):
        """3 damaged units credited (37.05), none returned: 86.45 left for 10 delivered units,
        7/10 to A = 60.515 and 3/10 to B = 25.935. Rounded one by one they would make 86.46;
        the shares add up to the invoiced 86.45: A 60.52, B 25.93."""
        order = self._sell([(self.lot_a, 7), (self.lot_b, 3)])
        invoice = self._invoice(order)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Damaged in transit"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        with Form(credit_note) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = 3
        credit_note.action_post()
        self.assertEqual(credit_note.amount_untaxed_signed, -37.05)
        self.assertEqual(order.order_line.invoice_lines.move_id, invoice | credit_note)
        rows = self._rows()
        self.assertEqual(
            rows,
            {
                self.lot_a.name: (7.0, 60.52, 30.59, 29.93),
                self.lot_b.name: (3.0, 25.93, 18.54, 7.39),
            },
        )
        self.assertAlmostEqual(sum(row[1] for row in rows.values()), 86.45)

    def test_returned_and_credited(self):
        """1 unit of B comes back and is credited by the order's final invoice (12.35): 111.15
        for 9 units, A 7 (86.45) and B 2 (24.70); B costs 3 x 6.18 out - 6.18 back = 12.36."""
        order = self._sell([(self.lot_a, 7), (self.lot_b, 3)])
        self._invoice(order)
        self._return_lot(order, self.lot_b, 1)
        self.assertEqual(order.order_line.qty_delivered, 9)
        credit_note = self._invoice(order, final=True)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.amount_untaxed_signed, -12.35)
        self.assertEqual(
            self._rows(),
            {
                self.lot_a.name: (7.0, 86.45, 30.59, 55.86),
                self.lot_b.name: (2.0, 24.7, 12.36, 12.34),
            },
        )

    def test_revenue_in_company_currency(self):
        """4 units of A at 10.00 EUR, 1.25 EUR to the company's 1.00: 40.00 EUR invoiced is
        32.00 of revenue; cost 4 x 4.37 = 17.48."""
        eur = self.setup_other_currency("EUR", rates=[("1900-01-01", 1.25)])
        self.assertNotEqual(eur, self.company.currency_id)
        pricelist = self.env["product.pricelist"].create({"name": "Euro", "currency_id": eur.id})
        order = self._sell([(self.lot_a, 4)], price=10.0, pricelist=pricelist)
        invoice = self._invoice(order)
        self.assertEqual((invoice.currency_id, invoice.amount_untaxed), (eur, 40.0))
        self.assertEqual(self._rows(), {self.lot_a.name: (4.0, 32.0, 17.48, 14.52)})

    def test_accountant_reads_and_exports(self):
        """An accountant without stock rights reads the rows and exports them."""
        order = self._sell([(self.lot_a, 7), (self.lot_b, 3)])
        self._invoice(order)
        accountant = self._create_user("lt_delivery_accountant", "account.group_account_invoice")
        self.assertFalse(accountant.has_group("stock.group_stock_user"))
        self.assertFalse(accountant.has_group("sales_team.group_sale_salesman"))
        env = self.env(user=accountant)
        self.assertEqual(
            self._rows(env),
            {
                self.lot_a.name: (7.0, 86.45, 30.59, 55.86),
                self.lot_b.name: (3.0, 37.05, 18.54, 18.51),
            },
        )
        Margin = self.Margin.with_env(env)
        lines = Margin.search([("product_id", "=", self.oil.id)], order="lot_name")
        action = lines.action_lot_tracking_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        self.assertEqual(
            [[cell.value for cell in row][1:] for row in sheet.iter_rows(min_row=2)],
            [
                [
                    "Invoiced Delivery",
                    order.name,
                    self.customer.name,
                    self.oil.display_name,
                    lot.name,
                    quantity,
                    self.oil.uom_id.name,
                    revenue,
                    cost,
                    margin,
                    self.company.currency_id.name,
                ]
                for lot, quantity, revenue, cost, margin in (
                    (self.lot_a, 7, 86.45, 30.59, 55.86),
                    (self.lot_b, 3, 37.05, 18.54, 18.51),
                )
            ],
        )
