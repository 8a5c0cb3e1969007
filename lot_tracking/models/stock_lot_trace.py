import base64
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_is_zero

from ..tools.xlsx import build_xlsx, build_xlsx_sheets

COST_GROUPS = ("stock.group_stock_manager", "account.group_account_manager")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Trace and exports kept apart from the lot twin (models/stock_lot.py) to keep both readable.
class StockLot(models.Model):
    _inherit = "stock.lot"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------------------------
    # Trace data, shared by the PDF and the XLSX trace
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_tracking_move_kinds(self):
        _ = self.env._
        return {
            "receipt": _("Receipt"),
            "vendor_return": _("Return to Vendor"),
            "internal": _("Internal Transfer"),
            "delivery": _("Delivery"),
            "customer_return": _("Customer Return"),
            "pos_sale": _("POS Sale"),
            "pos_refund": _("POS Refund"),
            "scrap": _("Scrap"),
            "inventory": _("Inventory Adjustment"),
            "production": _("Production"),
            "other": _("Other"),
        }

    @api.model
    def _lot_tracking_move_kind(self, line):
        """What a done move line did with the goods, from its locations (a key of
        ``_lot_tracking_move_kinds``)."""
        source, dest = line.location_id, line.location_dest_id
        is_pos = bool(line.picking_id.pos_order_id or line.picking_id.pos_session_id)
        if dest.scrap_location:
            return "scrap"
        if source.usage == "supplier":
            return "receipt"
        if dest.usage == "supplier":
            return "vendor_return"
        if dest.usage == "customer":
            return "pos_sale" if is_pos else "delivery"
        if source.usage == "customer":
            return "pos_refund" if is_pos else "customer_return"
        if "inventory" in (source.usage, dest.usage):
            return "inventory"
        if "production" in (source.usage, dest.usage):
            return "production"
        if {source.usage, dest.usage} <= {"internal", "transit"}:
            return "internal"
        return "other"

    def _lot_tracking_can_see_cost(self):
        return any(self.env.user.has_group(group) for group in COST_GROUPS)

    def _lot_tracking_trace_data(self):
        """Everything known about this lot, from source to sale, as plain values.

        One search per model (move lines, POS order lines, quants, events); the records they
        point to are read in batch through the prefetch, never one query per movement.
        """
        self.ensure_one()
        lines = self.env["stock.move.line"].search(
            [("lot_id", "=", self.id), ("state", "=", "done")], order="date, id"
        )
        kinds = self._lot_tracking_move_kinds()
        movements = []
        for line in lines:
            kind = self._lot_tracking_move_kind(line)
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
        can_see_cost = self._lot_tracking_can_see_cost()
        return {
            "lot": self._lot_tracking_trace_facts(),
            "cost": can_see_cost
            and {
                "label": self.env._("Unit Cost"),
                "value": self.standard_price,
                "currency": (self.company_id or self.env.company).currency_id,
            },
            "uom": self.product_uom_id.name,
            "movements": movements,
            "pos_orders": self._lot_tracking_trace_pos_orders(lines),
            "stock": self._lot_tracking_trace_stock(),
            "events": self._lot_tracking_trace_events(),
        }

    def _lot_tracking_visible_receipts(self):
        """These lots' first receipts that the user may read: a lot shared between companies
        may have been received first by a company the user does not work for."""
        return self.receipt_picking_id._filtered_access("read")

    def _lot_tracking_trace_facts(self):
        """The lot's twin as ``{label, value, kind}`` dicts (kind as in ``build_xlsx``)."""
        _ = self.env._
        receipt = self._lot_tracking_visible_receipts()
        states = dict(self._fields["quality_state"]._description_selection(self.env))
        facts = [
            (_("Lot"), self.name, "text"),
            (_("Product"), self.product_id.display_name, "text"),
            (_("Supplier"), self.supplier_id.display_name, "text"),
            (_("Supplier Lot Code"), self.supplier_lot_code, "text"),
            (_("Receipt"), receipt.name, "text"),
            (_("Received on"), self.receipt_date, "datetime"),
            (_("Purchase Order"), receipt.purchase_id.name, "text"),
            (_("Country of Origin"), self.origin_country_id.name, "text"),
            (_("Production Date"), self.production_date, "date"),
            (_("Best Before Date"), self.use_date, "datetime"),
            (_("Removal Date"), self.removal_date, "datetime"),
            (_("Expiration Date"), self.expiration_date, "datetime"),
            (_("Quality State"), states[self.quality_state], "text"),
            (_("Not Sellable Because"), self.sale_block_reason, "text"),
        ]
        return [{"label": label, "value": value, "kind": kind} for label, value, kind in facts]

    def _lot_tracking_trace_pos_orders(self, lines):
        """POS orders that sold (or refunded) this lot, with their customer and quantity."""
        OrderLine = self.env["pos.order.line"]
        quantities = defaultdict(float)
        if OrderLine.has_access("read"):
            domain = [
                ("product_id", "=", self.product_id.id),
                ("pack_lot_ids.lot_name", "=", self.name),
            ]
            if self.company_id:
                domain.append(("company_id", "=", self.company_id.id))
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

    def _lot_tracking_trace_stock(self):
        rounding = self.product_uom_id.rounding
        groups = self.env["stock.quant"]._read_group(
            [("lot_id", "=", self.id), ("location_id.usage", "=", "internal")],
            ["location_id"],
            ["quantity:sum"],
        )
        return [
            {"location": location.complete_name, "quantity": quantity}
            for location, quantity in sorted(groups, key=lambda group: group[0].complete_name)
            if not float_is_zero(quantity, precision_rounding=rounding)
        ]

    def _lot_tracking_trace_events(self):
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
            for event in Event.search([("lot_id", "=", self.id)], order="date, id")
        ]

    # ------------------------------------------------------------------------------------
    # XLSX exports
    # ------------------------------------------------------------------------------------
    def _lot_tracking_local(self, value):
        """A UTC datetime as the user's wall-clock time, which is what a spreadsheet shows."""
        return value and fields.Datetime.context_timestamp(self, value).replace(tzinfo=None)

    @api.model
    def _lot_tracking_xlsx_action(self, filename, content, record=None):
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(content),
                "mimetype": XLSX_MIMETYPE,
                "res_model": (record or self)._name,
                "res_id": record.id if record else False,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_lot_tracking_export_xlsx(self):
        """Download these lots with their states and dates as a spreadsheet."""
        _ = self.env._
        states = dict(self._fields["quality_state"]._description_selection(self.env))
        local = self._lot_tracking_local
        receipts = self._lot_tracking_visible_receipts()
        columns = [
            (_("Lot"), "text"),
            (_("Product"), "text"),
            (_("Supplier"), "text"),
            (_("Supplier Lot Code"), "text"),
            (_("Quality State"), "text"),
            (_("Sellable"), "text"),
            (_("Not Sellable Because"), "text"),
            (_("Receipt"), "text"),
            (_("Received on"), "datetime"),
            (_("Country of Origin"), "text"),
            (_("Production Date"), "date"),
            (_("Best Before Date"), "datetime"),
            (_("Removal Date"), "datetime"),
            (_("Expiration Date"), "datetime"),
            (_("On Hand"), "number"),
            (_("Unit"), "text"),
        ]
        rows = [
            (
                lot.name,
                lot.product_id.display_name,
                lot.supplier_id.display_name,
                lot.supplier_lot_code,
                states[lot.quality_state],
                _("Yes") if lot.is_sellable else _("No"),
                lot.sale_block_reason,
                (lot.receipt_picking_id & receipts).name,
                local(lot.receipt_date),
                lot.origin_country_id.name,
                lot.production_date,
                local(lot.use_date),
                local(lot.removal_date),
                local(lot.expiration_date),
                lot.product_qty,
                lot.product_uom_id.name,
            )
            for lot in self
        ]
        return self._lot_tracking_xlsx_action("lots.xlsx", build_xlsx(_("Lots"), columns, rows))

    def action_lot_tracking_export_trace_xlsx(self):
        """Download this lot's trace: its twin, movements, POS orders, stock and events."""
        self.ensure_one()
        _ = self.env._
        data = self._lot_tracking_trace_data()
        local = self._lot_tracking_local
        facts = data["lot"]
        lot_columns = [(fact["label"], fact["kind"]) for fact in facts]
        lot_row = [
            local(fact["value"]) if fact["kind"] == "datetime" else fact["value"] for fact in facts
        ]
        if cost := data["cost"]:
            lot_columns += [(cost["label"], "money"), (_("Currency"), "text")]
            lot_row += [cost["value"], cost["currency"].name]
        uom = data["uom"]
        sheets = [
            (_("Lot"), lot_columns, [lot_row]),
            (
                _("Movements"),
                [
                    (_("Date"), "datetime"),
                    (_("Reference"), "text"),
                    (_("Kind"), "text"),
                    (_("Operation Type"), "text"),
                    (_("Source Document"), "text"),
                    (_("From"), "text"),
                    (_("To"), "text"),
                    (_("Partner"), "text"),
                    (_("POS Order"), "text"),
                    (_("Quantity"), "number"),
                    (_("Unit"), "text"),
                ],
                [
                    (
                        local(move["date"]),
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
                _("POS Orders"),
                [
                    (_("Order"), "text"),
                    (_("Date"), "datetime"),
                    (_("Session"), "text"),
                    (_("Customer"), "text"),
                    (_("Quantity"), "number"),
                ],
                [
                    (o["name"], local(o["date"]), o["session"], o["customer"], o["quantity"])
                    for o in data["pos_orders"]
                ],
            ),
            (
                _("Stock"),
                [(_("Location"), "text"), (_("Quantity"), "number"), (_("Unit"), "text")],
                [(s["location"], s["quantity"], uom) for s in data["stock"]],
            ),
            (
                _("Events"),
                [
                    (_("Date"), "datetime"),
                    (_("Event"), "text"),
                    (_("User"), "text"),
                    (_("Reference"), "text"),
                    (_("Quantity"), "number"),
                    (_("Note"), "text"),
                ],
                [
                    (
                        local(e["date"]),
                        e["type"],
                        e["user"],
                        e["reference"],
                        e["quantity"],
                        e["note"],
                    )
                    for e in data["events"]
                ],
            ),
        ]
        filename = "lot_trace_{}.xlsx".format(self.name.replace("/", "_"))
        return self._lot_tracking_xlsx_action(filename, build_xlsx_sheets(sheets), record=self)
