import base64
import io

import openpyxl

from odoo import Command
from odoo.tests import Form, tagged

from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestCompanyIsolation(LotTrackingCommon):
    """One yogurt lot shared by two companies (the product has no company): each received,
    stocked and sold some. Company 1's people see and touch company 1's part only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls.warehouse_2 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_2.id)])
        cls.warehouse_2.code = "WH2"  # both warehouses would be "compa"
        cls.env.user.company_ids |= cls.company_2
        cls.yogurt.company_id = False
        cls.customer_2 = cls.env["res.partner"].create({"name": "Other Company's Customer"})
        cls.shared = cls.env["stock.lot"].create(
            {
                "name": "SHARED-1",
                "product_id": cls.yogurt.id,
                "company_id": False,
                "expiration_date": cls._in_days(20),
            }
        )
        # company 2 received the lot first, then company 1
        cls.receipt_2 = cls._move(cls.warehouse_2.in_type_id, 6, cls.supplier)
        cls.receipt_1 = cls._move(cls.warehouse.in_type_id, 10, cls.supplier)
        cls._move(cls.warehouse.out_type_id, 2, cls.customer)
        cls._move(cls.warehouse_2.out_type_id, 1, cls.customer_2)
        cls.user_1 = cls._create_user(
            "lt_company_1", "stock.group_stock_manager", "lot_tracking.group_lot_tracking_manager"
        )

    @classmethod
    def _move(cls, picking_type, qty, partner):
        """A done transfer of ``qty`` of the shared lot with ``picking_type``."""
        company = picking_type.company_id
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        source = picking_type.default_location_src_id or env.ref("stock.stock_location_suppliers")
        dest = picking_type.default_location_dest_id or env.ref("stock.stock_location_customers")
        picking = cls._picking(
            picking_type.with_env(env), cls.yogurt, qty, source=source, dest=dest, partner=partner
        )
        cls._put_lot(picking, cls.shared, qty)
        return cls._validate(picking)

    def _xlsx(self, action):
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        content = base64.b64decode(self.env["ir.attachment"].browse(attachment_id).datas)
        book = openpyxl.load_workbook(io.BytesIO(content))
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }

    def _assert_nothing_of_company_2(self, sheets):
        text = repr(sheets)
        for fact in (
            self.customer_2.name,
            self.warehouse_2.lot_stock_id.complete_name,
            self.receipt_2.name,
            self.company_2.name,
        ):
            self.assertNotIn(fact, text)

    def test_recall_lists_its_own_company_customers_and_stock(self):
        recall = Form(self.env["lot.tracking.recall"].with_user(self.user_1))
        recall.reason = "Listeria"
        recall.product_id = self.yogurt
        recall = recall.save()
        recall.action_select_lots()
        self.assertEqual(recall.lot_ids, self.shared)
        recall.action_activate()
        self.assertEqual(recall.customer_line_ids.partner_id, self.customer)
        self.assertEqual(recall.quantity_sold, 2)
        self.assertEqual(recall.stock_line_ids.location_id, self.stock_location)
        self.assertEqual(recall.quantity_in_stock, 8)
        event = self.shared.event_ids.filtered(lambda e: e.event_type == "recalled")
        self.assertEqual(
            (event.company_id, event.quantity), (self.company, 8), "company 1's stock, not 13"
        )

    def test_state_change_logs_the_stock_of_the_event_company(self):
        """By someone with both companies active (the lot has no company): blocked from
        company 2, the event is company 2's with company 2's 5 on hand, not 13; released
        from company 1: company 1's 8; recalled by a recall of company 1 while working in
        company 2: company 1's 8."""
        both = [self.company_2.id, self.company.id]
        lot = self.shared.with_context(allowed_company_ids=both)
        lot._lot_tracking_set_quality_state("blocked")
        lot.with_context(allowed_company_ids=both[::-1])._lot_tracking_set_quality_state("released")
        recall = (
            self.env["lot.tracking.recall"]
            .with_context(allowed_company_ids=both)
            .create({"reason": "Listeria", "company_id": self.company.id, "lot_ids": lot.ids})
        )
        recall.action_activate()
        events = self.shared.event_ids.filtered(
            lambda e: e.event_type in ("blocked", "released", "recalled")
        ).sorted("id")
        self.assertEqual(
            [(e.event_type, e.company_id, e.quantity) for e in events],
            [
                ("blocked", self.company_2, 5.0),
                ("released", self.company, 8.0),
                ("recalled", self.company, 8.0),
            ],
        )

    def test_a_scanned_lot_costs_its_receipt_company_price(self):
        """Working in company 1 with company 2 active too, a clerk scans company 2's receipt:
        the lot's cost (company-dependent) is company 2's: there, the standard price."""
        self.yogurt.with_company(self.company_2).standard_price = 2.75
        env_2 = self.env(context=dict(self.env.context, allowed_company_ids=self.company_2.ids))
        order = env_2["purchase.order"].create(
            {
                "partner_id": self.supplier.id,
                "company_id": self.company_2.id,
                "picking_type_id": self.warehouse_2.in_type_id.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.yogurt.id, "product_qty": 4, "price_unit": 3.5}
                    )
                ],
            }
        )
        order.button_confirm()
        both = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.company.id, self.company_2.id])
        )
        result = order.picking_ids.with_env(both).lot_tracking_scan(
            self._label(self.yogurt, "MC-1", self._in_days(30), **{"37": 4})
        )
        lot = self.env["stock.lot"].browse(result["lot_id"])
        self.assertEqual(lot.company_id, self.company_2)
        self.assertEqual(lot.with_company(self.company_2).standard_price, 2.75)

    def test_lot_list_export_shows_its_own_company_only(self):
        sheets = self._xlsx(self.shared.with_user(self.user_1).action_lot_tracking_export_xlsx())
        self._assert_nothing_of_company_2(sheets)
        [header, row] = sheets["Lots"]
        self.assertEqual(dict(zip(header, row, strict=True))["On Hand"], 8)

    def test_trace_export_shows_its_own_company_only(self):
        sheets = self._xlsx(
            self.shared.with_user(self.user_1).action_lot_tracking_export_trace_xlsx()
        )
        self._assert_nothing_of_company_2(sheets)
        self.assertEqual(len(sheets["Movements"]), 3, "header, receipt and delivery")

    def test_fsma_export_shows_its_own_company_only(self):
        wizard = (
            self.env["lot.tracking.fsma.wizard"]
            .with_user(self.user_1)
            .create({"date_from": self._in_days(-1), "date_to": self._in_days(0)})
        )
        sheets = self._xlsx(wizard.action_export_xlsx())
        self._assert_nothing_of_company_2(sheets)
        self.assertEqual(len(sheets["FSMA 204"]), 3, "header, receipt and delivery")

    def test_counts_and_events_of_the_shared_lot_by_company(self):
        """Each company counts its part of the shared lot: company 1's people see company
        1's count (8 → 7) and events only."""
        for company, location, counted in (
            (self.company, self.stock_location, 7),
            (self.company_2, self.warehouse_2.lot_stock_id, 5),
        ):
            self.env["stock.quant"].with_context(
                inventory_mode=True, allowed_company_ids=company.ids
            ).create(
                {
                    "product_id": self.yogurt.id,
                    "location_id": location.id,
                    "lot_id": self.shared.id,
                    "inventory_quantity": counted,
                }
            ).action_apply_inventory()
        counts = self.env["lot.tracking.stock.accuracy"].search([("lot_id", "=", self.shared.id)])
        self.assertEqual(counts.company_id, self.company | self.company_2)
        counts = counts.with_user(self.user_1).search([("lot_id", "=", self.shared.id)])
        self.assertEqual(
            [(c.company_id, c.counted_qty, c.system_qty) for c in counts],
            [(self.company, 7.0, 8.0)],
        )
        Event = self.env["lot.tracking.event"]
        self.assertEqual(
            Event.search([("lot_id", "=", self.shared.id)]).company_id,
            self.company | self.company_2,
        )
        events = Event.with_user(self.user_1).search([("lot_id", "=", self.shared.id)])
        self.assertTrue(events)
        self.assertEqual(events.company_id, self.company)

    def test_a_shared_lot_nobody_moved_is_seen_from_every_company(self):
        """A lot without a company that no company moved yet belongs to none: its analysis
        and scorecard rows have no company and are seen from both, as the lot is."""
        dairy = self.env["res.partner"].create({"name": "Unmoved Dairy"})
        lot = self.env["stock.lot"].create(
            {
                "name": "SHARED-NEW",
                "product_id": self.yogurt.id,
                "company_id": False,
                "supplier_id": dairy.id,
            }
        )
        user_2 = self.env["res.users"].create(
            {
                "name": "lt_company_2",
                "login": "lt_company_2",
                "company_id": self.company_2.id,
                "company_ids": [(6, 0, self.company_2.ids)],
                "groups_id": [(6, 0, (self.user_1.groups_id).ids)],
            }
        )
        for user in (self.user_1, user_2):
            env = self.env(user=user)
            self.assertEqual(env["stock.lot"].search([("name", "=", "SHARED-NEW")]), lot)
            rows = env["lot.tracking.analysis"].search([("lot_id", "=", lot.id)])
            self.assertEqual((len(rows), rows.company_id), (1, self.env["res.company"]))
            scores = env["lot.tracking.vendor.score"].search([("partner_id", "=", dairy.id)])
            self.assertEqual(
                [(s.company_id, s.lots_received) for s in scores],
                [(self.env["res.company"], 1)],
            )
