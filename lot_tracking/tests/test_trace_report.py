import base64
import datetime
import io
from uuid import uuid4

import openpyxl
from lxml import html

from odoo import Command, fields
from odoo.tests import tagged

from ..tools.xlsx import user_tz, wall_clock
from .common import LotTrackingCommon
from .test_pos import PosLotTrackingCommon

REPORT = "lot_tracking.action_report_lot_trace"


@tagged("post_install", "-at_install")
class TestTraceReport(LotTrackingCommon):
    """A yogurt lot received (10), moved to the cold room (3), delivered (4), scrapped (1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_manager = cls._create_user("lt_stock_manager", "stock.group_stock_manager")
        cls.cold_room = cls.env["stock.location"].create(
            {
                "name": "Cold Room",
                "usage": "internal",
                "location_id": cls.warehouse.view_location_id.id,
            }
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.receipt = cls._validate(cls._purchase([(cls.yogurt, 10, 4.25)]))
        cls.lot = cls.receipt.move_line_ids.lot_id
        cls.lot.write(
            {
                "supplier_lot_code": "FF-2024-77",
                "origin_country_id": cls.env.ref("base.fr").id,
                "production_date": cls._in_days(-3),
            }
        )
        cls.internal = cls._transfer(cls.warehouse.int_type_id, cls.cold_room, 3)
        cls.delivery = cls._transfer(cls.warehouse.out_type_id, cls.customers, 4, cls.customer)
        cls.scrap = cls.env["stock.scrap"].create(
            {
                "product_id": cls.yogurt.id,
                "lot_id": cls.lot.id,
                "scrap_qty": 1,
                "location_id": cls.stock_location.id,
                "company_id": cls.company.id,
            }
        )
        cls.scrap.do_scrap()

    @classmethod
    def _transfer(cls, picking_type, destination, quantity, partner=None):
        """Move ``quantity`` of the yogurt lot out of WH/Stock (where only this lot is)."""
        picking = cls._picking(
            picking_type,
            cls.yogurt,
            quantity,
            source=cls.stock_location,
            dest=destination,
            partner=partner or cls.env["res.partner"],
        )
        return cls._validate(picking)

    def _xlsx(self, action):
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        content = base64.b64decode(self.env["ir.attachment"].browse(attachment_id).datas)
        return openpyxl.load_workbook(io.BytesIO(content))

    @staticmethod
    def _values(sheet):
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def _local(self, value):
        """``value`` as the spreadsheet shows it: the user's wall-clock time."""
        return wall_clock(value, user_tz(self.env))

    def _assert_near(self, value, expected):
        self.assertIsInstance(value, datetime.datetime)
        self.assertLess(abs(value - expected), datetime.timedelta(seconds=1))

    def test_trace_data_lists_every_movement_in_order_with_the_customer(self):
        data = self.lot._lot_tracking_trace_data()
        moves = data["movements"]
        self.assertEqual(
            [(m["kind"], m["quantity"], m["partner"]) for m in moves],
            [
                ("receipt", 10, "Fresh Fields Foods"),
                ("internal", 3, ""),
                ("delivery", 4, "Corner Shop"),
                ("scrap", 1, ""),
            ],
        )
        self.assertEqual(
            [m["reference"] for m in moves],
            [self.receipt.name, self.internal.name, self.delivery.name, self.scrap.name],
        )
        self.assertEqual([m["date"] for m in moves], sorted(m["date"] for m in moves))
        self.assertEqual(
            (moves[2]["location_from"], moves[2]["location_to"]),
            (self.stock_location.complete_name, self.customers.complete_name),
        )
        self.assertEqual(
            data["stock"],
            [
                {"location": self.cold_room.complete_name, "quantity": 3},
                {"location": self.stock_location.complete_name, "quantity": 2},
            ],
        )
        facts = {fact["label"]: fact["value"] for fact in data["lot"]}
        self.assertEqual(facts["Supplier"], "Fresh Fields Foods")
        self.assertEqual(facts["Supplier Lot Code"], "FF-2024-77")
        self.assertEqual(facts["Receipt"], self.receipt.name)
        self.assertEqual(facts["Purchase Order"], self.receipt.purchase_id.name)
        self.assertEqual(facts["Country of Origin"], "France")
        self.assertEqual(facts["Expiration Date"], self.lot.expiration_date)
        self.assertIn("Received", [event["type"] for event in data["events"]])
        self.assertEqual(data["cost"]["value"], 4.25)
        self.assertFalse(self.lot.with_user(self.stock_user)._lot_tracking_trace_data()["cost"])

    def _render_html(self, user):
        content, _format = (
            self.env["ir.actions.report"].with_user(user)._render_qweb_html(REPORT, self.lot.ids)
        )
        return html.fromstring(content)

    @staticmethod
    def _table(doc, name):
        return [
            [" ".join(cell.text_content().split()) for cell in row.xpath("./td|./th")]
            for row in doc.xpath(f"//table[@name='{name}']/tbody/tr")
        ]

    def test_pdf_shows_origin_movements_customers_and_stock(self):
        doc = self._render_html(self.stock_manager)
        twin = dict(self._table(doc, "lot_twin"))
        self.assertEqual(twin["Supplier"], "Fresh Fields Foods")
        self.assertEqual(twin["Supplier Lot Code"], "FF-2024-77")
        self.assertEqual(twin["Receipt"], self.receipt.name)
        self.assertEqual(twin["Purchase Order"], self.receipt.purchase_id.name)
        self.assertIn("4.25", twin["Unit Cost"])
        moves = self._table(doc, "lot_movements")
        self.assertEqual(
            [row[1:] for row in moves],
            [
                [
                    self.receipt.name,
                    "Receipt",
                    "Partners/Vendors",
                    self.stock_location.complete_name,
                    "Fresh Fields Foods",
                    "10.00 Units",
                ],
                [
                    self.internal.name,
                    "Internal Transfer",
                    self.stock_location.complete_name,
                    self.cold_room.complete_name,
                    "",
                    "3.00 Units",
                ],
                [
                    self.delivery.name,
                    "Delivery",
                    self.stock_location.complete_name,
                    "Partners/Customers",
                    "Corner Shop",
                    "4.00 Units",
                ],
                [
                    self.scrap.name,
                    "Scrap",
                    self.stock_location.complete_name,
                    self.scrap.scrap_location_id.complete_name,
                    "",
                    "1.00 Units",
                ],
            ],
        )
        self.assertEqual(
            self._table(doc, "lot_stock"),
            [
                [self.cold_room.complete_name, "3.00 Units"],
                [self.stock_location.complete_name, "2.00 Units"],
            ],
        )
        self.assertIn("Received", [row[1] for row in self._table(doc, "lot_events")])

    def test_pdf_hides_cost_from_a_stock_user(self):
        doc = self._render_html(self.stock_user)
        twin = dict(self._table(doc, "lot_twin"))
        self.assertEqual(twin["Supplier Lot Code"], "FF-2024-77")
        self.assertNotIn("Unit Cost", twin)
        self.assertFalse(doc.xpath("//tr[@name='lot_cost']"))
        self.assertIn("Corner Shop", doc.text_content())

    def test_pdf_is_rendered(self):
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.lot.ids)
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_lot_list_xlsx(self):
        cheese_lot = self._validate(self._purchase([(self.cheese, 5, 2.0)])).move_line_ids.lot_id
        lots = self.lot | cheese_lot
        sheet = self._xlsx(lots.action_lot_tracking_export_xlsx()).active
        rows = self._values(sheet)
        self.assertEqual(
            rows[0][:8],
            [
                "Lot",
                "Product",
                "Supplier",
                "Supplier Lot Code",
                "Quality State",
                "Sellable",
                "Not Sellable Because",
                "Receipt",
            ],
        )
        self.assertEqual(len(rows), 3)
        by_lot = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
        yogurt = by_lot[self.lot.name]
        self.assertEqual(yogurt["Product"], "Yogurt")
        self.assertEqual(yogurt["Supplier"], "Fresh Fields Foods")
        self.assertEqual(yogurt["Supplier Lot Code"], "FF-2024-77")
        self.assertEqual(yogurt["Quality State"], "Released")
        self.assertEqual(yogurt["Sellable"], "Yes")
        self.assertIsNone(yogurt["Not Sellable Because"])
        self.assertEqual(yogurt["Receipt"], self.receipt.name)
        self.assertEqual(yogurt["Country of Origin"], "France")
        self.assertEqual(yogurt["Production Date"].date(), self._in_days(-3))
        self._assert_near(yogurt["Expiration Date"], self._local(self.lot.expiration_date))
        self.assertEqual(yogurt["On Hand"], 5)
        self.assertEqual(yogurt["Unit"], "Units")
        self.assertEqual(by_lot[cheese_lot.name]["Product"], "Cheese")
        self.assertEqual(by_lot[cheese_lot.name]["On Hand"], 5)

    def test_trace_xlsx(self):
        self.stock_manager.tz = "Asia/Tokyo"  # UTC+9 all year: times are the reader's
        book = self._xlsx(
            self.lot.with_user(self.stock_manager).action_lot_tracking_export_trace_xlsx()
        )
        self.assertEqual(book.sheetnames, ["Lot", "Movements", "POS Orders", "Stock", "Events"])
        lot = dict(zip(*self._values(book["Lot"]), strict=True))
        self.assertEqual(lot["Lot"], self.lot.name)
        self.assertEqual(lot["Supplier"], "Fresh Fields Foods")
        self.assertEqual(lot["Supplier Lot Code"], "FF-2024-77")
        self.assertEqual(lot["Unit Cost"], 4.25)
        moves = self._values(book["Movements"])
        self.assertEqual(
            moves[0],
            [
                "Date",
                "Reference",
                "Kind",
                "Operation Type",
                "Source Document",
                "From",
                "To",
                "Partner",
                "POS Order",
                "Quantity",
                "Unit",
            ],
        )
        self.assertEqual(
            [row[1:3] + row[5:8] + row[9:] for row in moves[1:]],
            [
                [
                    self.receipt.name,
                    "Receipt",
                    "Partners/Vendors",
                    self.stock_location.complete_name,
                    "Fresh Fields Foods",
                    10,
                    "Units",
                ],
                [
                    self.internal.name,
                    "Internal Transfer",
                    self.stock_location.complete_name,
                    self.cold_room.complete_name,
                    None,
                    3,
                    "Units",
                ],
                [
                    self.delivery.name,
                    "Delivery",
                    self.stock_location.complete_name,
                    "Partners/Customers",
                    "Corner Shop",
                    4,
                    "Units",
                ],
                [
                    self.scrap.name,
                    "Scrap",
                    self.stock_location.complete_name,
                    self.scrap.scrap_location_id.complete_name,
                    None,
                    1,
                    "Units",
                ],
            ],
        )
        self.assertEqual(moves[1][4], self.receipt.purchase_id.name)
        self._assert_near(
            moves[3][0], self.delivery.move_line_ids.date + datetime.timedelta(hours=9)
        )
        self.assertEqual(
            self._values(book["Stock"])[1:],
            [
                [self.cold_room.complete_name, 3, "Units"],
                [self.stock_location.complete_name, 2, "Units"],
            ],
        )
        self.assertEqual(self._values(book["Events"])[1][1:3], ["Received", self.env.user.name])
        stock_user_book = self._xlsx(
            self.lot.with_user(self.stock_user).action_lot_tracking_export_trace_xlsx()
        )
        self.assertNotIn("Unit Cost", self._values(stock_user_book["Lot"])[0])

    def test_fsma_204_spreadsheet(self):
        old_receipt = self._validate(self._purchase([(self.cheese, 5, 2.0)]))
        old_receipt.move_line_ids.date = fields.Datetime.now() - datetime.timedelta(days=60)
        wizard = self.env["lot.tracking.fsma.wizard"].create(
            {"date_from": self._in_days(-7), "date_to": self._in_days(0)}
        )
        rows = self._values(self._xlsx(wizard.action_export_xlsx()).active)
        header = rows[0]
        self.assertEqual(
            header[:8],
            [
                "Critical Tracking Event",
                "Event Date",
                "Traceability Lot Code",
                "Supplier Lot Code",
                "Product Description",
                "Product Code",
                "Quantity",
                "Unit of Measure",
            ],
        )
        events = [dict(zip(header, row, strict=True)) for row in rows[1:]]
        self.assertEqual(
            [(e["Critical Tracking Event"], e["Reference Document Number"]) for e in events],
            [("Receiving", self.receipt.name), ("Shipping", self.delivery.name)],
            "receiving and shipping in the period only: no internal move, scrap or old receipt",
        )
        receiving, shipping = events
        self.assertEqual(receiving["Traceability Lot Code"], self.lot.name)
        self.assertEqual(receiving["Supplier Lot Code"], "FF-2024-77")
        self.assertEqual(receiving["Product Description"], "Yogurt")
        self.assertEqual(receiving["Product Code"], "2000000000015")
        self.assertEqual((receiving["Quantity"], receiving["Unit of Measure"]), (10, "Units"))
        self.assertEqual(receiving["Location"], self.stock_location.complete_name)
        self.assertTrue(receiving["Source Partner"].startswith("Fresh Fields Foods"))
        self.assertEqual(receiving["Source Location"], "Partners/Vendors")
        self.assertEqual(receiving["Destination Location"], self.stock_location.complete_name)
        self.assertEqual(receiving["Reference Document Type"], "Receipts")
        self.assertEqual(receiving["Source Document"], self.receipt.purchase_id.name)
        self.assertTrue(receiving["Traceability Lot Code Source"].startswith("Fresh Fields Foods"))
        self._assert_near(receiving["Event Date"], self._local(self.receipt.move_line_ids.date))
        self.assertEqual((shipping["Quantity"], shipping["Unit of Measure"]), (4, "Units"))
        self.assertEqual(shipping["Location"], self.stock_location.complete_name)
        self.assertTrue(shipping["Destination Partner"].startswith("Corner Shop"))
        self.assertEqual(shipping["Destination Location"], "Partners/Customers")
        self.assertEqual(shipping["Reference Document Type"], "Delivery Orders")

        wizard.date_from = self._in_days(-90)
        rows = self._values(self._xlsx(wizard.action_export_xlsx()).active)
        self.assertEqual(
            [row[2] for row in rows[1:]],
            [old_receipt.move_line_ids.lot_id.name, self.lot.name, self.lot.name],
        )

        wizard.product_ids = self.cheese
        rows = self._values(self._xlsx(wizard.action_export_xlsx()).active)
        self.assertEqual([row[4] for row in rows[1:]], ["Cheese"])

    def test_trace_data_queries_do_not_grow_with_movements(self):
        def count():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = self.env["stock.lot"].browse(self.lot.id)._lot_tracking_trace_data()
            return self.env.cr.sql_log_count - before, len(data["movements"])

        count()  # warm the registry caches (groups, selections) like a running server
        few, moves = count()
        other = self.env["res.partner"].create({"name": "Village Deli"})
        for _i in range(3):
            self._transfer(self.warehouse.int_type_id, self.cold_room, 0.5)
        self._transfer(self.warehouse.out_type_id, self.customers, 1, other)
        self.assertEqual(count(), (few, moves + 4))


@tagged("post_install", "-at_install")
class TestTraceReportPos(PosLotTrackingCommon):
    def test_pos_sale_shows_the_order_and_its_customer(self):
        self.open_new_session()
        data = self.create_ui_order_data([(self.yogurt, 2)], customer=self.customer)
        data["lines"][0][2]["pack_lot_ids"] = [Command.create({"lot_name": "Y-LATE"})]
        data.update(state="paid", access_token=str(uuid4()))
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        trace = self.lot_late._lot_tracking_trace_data()
        self.assertEqual(
            [(m["kind"], m["partner"], m["pos_order"], m["quantity"]) for m in trace["movements"]],
            [("pos_sale", "Customer 1", order.name, 2)],
        )
        expected = [
            {
                "name": order.name,
                "date": order.date_order,
                "session": self.pos_session.name,
                "customer": "Customer 1",
                "quantity": 2,
            }
        ]
        self.assertEqual(trace["pos_orders"], expected)
        # Without POS rights, a stock user still sees the order behind the POS picking.
        stock_user = self.env["res.users"].create(
            {
                "name": "Storekeeper",
                "login": "lt_storekeeper",
                "groups_id": [Command.set([self.env.ref("stock.group_stock_user").id])],
            }
        )
        self.assertFalse(stock_user.has_group("point_of_sale.group_pos_user"))
        lot = self.lot_late.with_user(stock_user)
        self.assertEqual(
            lot._lot_tracking_trace_data()["pos_orders"], [dict(expected[0], session="")]
        )
        content, _format = (
            self.env["ir.actions.report"]
            .with_user(stock_user)
            ._render_qweb_html("lot_tracking.action_report_lot_trace", lot.ids)
        )
        cells = html.fromstring(content).xpath("//table[@name='lot_pos_orders']/tbody/tr/td")
        self.assertEqual(
            [cell.text_content().strip() for cell in cells][1:4],
            [order.name, "", "Customer 1"],
        )
        # Sales to consumers are not FSMA 204 shipping events.
        wizard = self.env["lot.tracking.fsma.wizard"].create(
            {"date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        self.assertFalse(wizard._fsma_rows())
