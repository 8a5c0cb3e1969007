from collections import defaultdict

from odoo import api, models
from odoo.tools import float_is_zero

from ..tools.xlsx import build_xlsx_sheets, user_tz

COST_GROUPS = ("stock.group_stock_manager", "account.group_account_manager")


class ReportLotTrace(models.AbstractModel):
    """A lot from source to sale: its twin, movements, POS orders, stock now and events.

    The PDF (``_get_report_values``), the trace spreadsheet and the API read the same data.
    """

    _name = "report.lot_tracking.report_lot_trace"
    _description = "Lot Trace Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        lots = self.env["stock.lot"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "stock.lot",
            "docs": lots,
            "traces": {lot.id: self._get_trace(lot) for lot in lots},
        }

    @api.model
    def _get_trace(self, lot):
        """Everything known about ``lot`` as plain values.

        One search per model (move lines, POS order lines, quants, events); the records they
        point to are read in batch through the prefetch, never one query per movement.
        """
        lot.ensure_one()
        lines = self.env["stock.move.line"].search(
            [("lot_id", "=", lot.id), ("state", "=", "done")], order="date, id"
        )
        kinds = lines._lot_tracking_move_kinds()
        movements = []
        for line in lines:
            kind = line._lot_tracking_move_kind()
            picking = line.picking_id
            partner = (
                picking.pos_order_id.partner_id or picking.partner_id or line.move_id.partner_id
            )
            movements.append(
                {
                    "date": line.date,
                    "reference": line.reference or picking.name or "",
                    "document": picking.picking_type_id.name or kinds[kind],
                    "origin": picking.origin or "",
                    "kind": kind,
                    "kind_label": kinds[kind],
                    "location_from": line.location_id.complete_name,
                    "location_to": line.location_dest_id.complete_name,
                    "partner": partner.display_name or "",
                    "pos_order": picking.pos_order_id.name or "",
                    "quantity": line.quantity_product_uom,
                }
            )
        return {
            "lot": self._get_facts(lot),
            "cost": self._can_see_cost()
            and {
                "label": self.env._("Unit Cost"),
                "value": lot.standard_price,
                "currency": (lot.company_id or self.env.company).currency_id,
            },
            "uom": lot.product_uom_id.name,
            "movements": movements,
            "pos_orders": self._get_pos_orders(lot, lines),
            "stock": self._get_stock(lot),
            "events": self._get_events(lot),
        }

    @api.model
    def _can_see_cost(self):
        return any(self.env.user.has_group(group) for group in COST_GROUPS)

    @api.model
    def _get_facts(self, lot):
        """The lot's twin as ``{label, value, kind}`` dicts (kind as in ``build_xlsx``)."""
        receipt = lot._lot_tracking_visible_receipts()
        states = dict(lot._fields["quality_state"]._description_selection(self.env))
        facts = [
            (self.env._("Lot"), lot.name, "text"),
            (self.env._("Product"), lot.product_id.display_name, "text"),
            (self.env._("Supplier"), lot.supplier_id.display_name, "text"),
            (self.env._("Supplier Lot Code"), lot.supplier_lot_code, "text"),
            (self.env._("Receipt"), receipt.name, "text"),
            (self.env._("Received on"), lot.receipt_date, "datetime"),
            (self.env._("Purchase Order"), receipt.purchase_id.name, "text"),
            (self.env._("Country of Origin"), lot.origin_country_id.name, "text"),
            (self.env._("Production Date"), lot.production_date, "date"),
            (self.env._("Best Before Date"), lot.use_date, "datetime"),
            (self.env._("Removal Date"), lot.removal_date, "datetime"),
            (self.env._("Expiration Date"), lot.expiration_date, "datetime"),
            (self.env._("Quality State"), states[lot.quality_state], "text"),
            # the state row already says why a held lot cannot be sold
            (
                self.env._("Not Sellable Because"),
                lot.quality_state == "released" and lot.sale_block_reason,
                "text",
            ),
        ]
        return [{"label": label, "value": value, "kind": kind} for label, value, kind in facts]

    @api.model
    def _get_pos_orders(self, lot, lines):
        """POS orders that sold (or refunded) ``lot``, with their customer and quantity."""
        OrderLine = self.env["pos.order.line"]
        quantities = defaultdict(float)
        if OrderLine.has_access("read"):
            domain = [
                ("product_id", "=", lot.product_id.id),
                ("pack_lot_ids.lot_name", "=", lot.name),
            ]
            if lot.company_id:
                domain.append(("company_id", "=", lot.company_id.id))
            for order_line in OrderLine.search(domain):
                quantities[order_line.order_id] += order_line.qty
        else:
            # Without POS rights, the orders behind the lot's own POS pickings.
            for line in lines.filtered(lambda ml: ml.picking_id.pos_order_id):
                sign = -1 if line.location_id.usage == "customer" else 1
                quantities[line.picking_id.pos_order_id] += sign * line.quantity_product_uom
        with_session = self.env["pos.session"].has_access("read")
        return [
            {
                "name": order.name,
                "date": order.date_order,
                "session": order.session_id.name if with_session else "",
                "customer": order.partner_id.display_name or "",
                "quantity": quantity,
            }
            for order, quantity in sorted(quantities.items(), key=lambda item: item[0].date_order)
        ]

    @api.model
    def _get_stock(self, lot):
        rounding = lot.product_uom_id.rounding
        groups = self.env["stock.quant"]._read_group(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")],
            ["location_id"],
            ["quantity:sum"],
        )
        return [
            {"location": location.complete_name, "quantity": quantity}
            for location, quantity in sorted(groups, key=lambda group: group[0].complete_name)
            if not float_is_zero(quantity, precision_rounding=rounding)
        ]

    @api.model
    def _get_events(self, lot):
        Event = self.env["lot.tracking.event"]
        types = dict(Event._fields["event_type"]._description_selection(self.env))
        return [
            {
                "date": event.date,
                "type": types[event.event_type],
                "user": event.user_id.name or "",
                "reference": event.picking_id.name or event.pos_order_id.name or "",
                "quantity": event.quantity,
                "note": event.note or "",
            }
            for event in Event.search([("lot_id", "=", lot.id)], order="date, id")
        ]

    # ------------------------------------------------------------------------------------
    # The same trace as a spreadsheet
    # ------------------------------------------------------------------------------------
    @api.model
    def _get_xlsx(self, lot):
        """The bytes of ``lot``'s trace workbook: one sheet per part of the PDF."""
        data = self._get_trace(lot)
        facts = data["lot"]
        lot_columns = [(fact["label"], fact["kind"]) for fact in facts]
        lot_row = [fact["value"] for fact in facts]
        if cost := data["cost"]:
            lot_columns += [(cost["label"], "money"), (self.env._("Currency"), "text")]
            lot_row += [cost["value"], cost["currency"].name]
        uom = data["uom"]
        sheets = [
            (self.env._("Lot"), lot_columns, [lot_row]),
            (
                self.env._("Movements"),
                [
                    (self.env._("Date"), "datetime"),
                    (self.env._("Reference"), "text"),
                    (self.env._("Kind"), "text"),
                    (self.env._("Operation Type"), "text"),
                    (self.env._("Source Document"), "text"),
                    (self.env._("From"), "text"),
                    (self.env._("To"), "text"),
                    (self.env._("Partner"), "text"),
                    (self.env._("POS Order"), "text"),
                    (self.env._("Quantity"), "number"),
                    (self.env._("Unit"), "text"),
                ],
                [
                    (
                        move["date"],
                        move["reference"],
                        move["kind_label"],
                        move["document"],
                        move["origin"],
                        move["location_from"],
                        move["location_to"],
                        move["partner"],
                        move["pos_order"],
                        move["quantity"],
                        uom,
                    )
                    for move in data["movements"]
                ],
            ),
            (
                self.env._("POS Orders"),
                [
                    (self.env._("Order"), "text"),
                    (self.env._("Date"), "datetime"),
                    (self.env._("Session"), "text"),
                    (self.env._("Customer"), "text"),
                    (self.env._("Quantity"), "number"),
                ],
                [
                    (o["name"], o["date"], o["session"], o["customer"], o["quantity"])
                    for o in data["pos_orders"]
                ],
            ),
            (
                self.env._("Stock"),
                [
                    (self.env._("Location"), "text"),
                    (self.env._("Quantity"), "number"),
                    (self.env._("Unit"), "text"),
                ],
                [(s["location"], s["quantity"], uom) for s in data["stock"]],
            ),
            (
                self.env._("Events"),
                [
                    (self.env._("Date"), "datetime"),
                    (self.env._("Event"), "text"),
                    (self.env._("User"), "text"),
                    (self.env._("Reference"), "text"),
                    (self.env._("Quantity"), "number"),
                    (self.env._("Note"), "text"),
                ],
                [
                    (e["date"], e["type"], e["user"], e["reference"], e["quantity"], e["note"])
                    for e in data["events"]
                ],
            ),
        ]
        return build_xlsx_sheets(sheets, tz=user_tz(self.env))
