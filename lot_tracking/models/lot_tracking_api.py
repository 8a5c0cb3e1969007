import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.osv import expression

from ..tools import digital_link, gs1

UPSTREAM_KINDS = ("receipt", "vendor_return")
DOWNSTREAM_KINDS = ("delivery", "pos_sale", "customer_return", "pos_refund")
SOLD_KINDS = ("delivery", "pos_sale")


def _datetime(value):
    """A naive UTC datetime as ISO 8601 with ``Z``; a date as ``YYYY-MM-DD``; else None."""
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def _ref(record, **extra):
    return {"id": record.id, "name": record.display_name, **extra} if record else None


class LotTrackingApi(models.AbstractModel):
    """What the lot API (``/lot_tracking/api/v1``) reads and writes, as plain JSON values.

    Always called as the API key's user: every search and read goes through that user's
    access rights and company rules, nothing is read with ``sudo``.
    """

    _name = "lot.tracking.api"
    _description = "Lot Tracking API"

    # ------------------------------------------------------------------------------------
    # Identifiers
    # ------------------------------------------------------------------------------------
    @api.model
    def _gtin_of(self, product):
        """The product's GTIN-14 (from its barcode), or None when the barcode is no GTIN."""
        barcode = product.barcode
        return gs1.normalize_gtin(barcode) if barcode and gs1.is_valid_gtin(barcode) else None

    @api.model
    def _products_by_gtin(self, gtins):
        """Products whose barcode is one of ``gtins`` (GTIN-14), whatever length was stored."""
        barcodes = {form for gtin in gtins for form in gs1.gtin_forms(gtin)}
        if not barcodes:
            return self.env["product.product"]
        return (
            self.env["product.product"]
            .with_context(active_test=False)
            .search([("barcode", "in", sorted(barcodes))])
        )

    @api.model
    def _printed_lot_domain(self, code):
        """Lots whose code on the goods is ``code``: the supplier's lot code when the lot has
        one, else its name."""
        return [
            "|",
            ("supplier_lot_code", "=", code),
            "&",
            ("supplier_lot_code", "in", [False, ""]),
            ("name", "=", code),
        ]

    @api.model
    def _class_domain(self, gtin, lot_code=None):
        """Lots of one EPC class: a GTIN and the lot code printed on the goods (or every lot
        of the GTIN when ``lot_code`` is None)."""
        products = self._products_by_gtin([gtin])
        domain = [("product_id", "in", products.ids)]
        if lot_code is not None:
            domain = expression.AND([domain, self._printed_lot_domain(lot_code)])
        return domain

    @api.model
    def _lot_class_uri(self, lot):
        """The lot's EPC class: its Digital Link URI, or the lot's API address when its
        product has no GTIN."""
        gtin = self._gtin_of(lot.product_id)
        if gtin:
            return digital_link.lot_uri(gtin, lot.supplier_lot_code or lot.name)
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return f"{base_url.rstrip('/')}/lot_tracking/api/v1/lots/{lot.id}"

    @api.model
    def _find_lots_by_code(self, code):
        """Lots named by what their label carries: a GS1 element string or a Digital Link
        URI with a GTIN (AI 01) and a lot (AI 10). Raises GS1Error when the code is not one."""
        data = digital_link.parse_gs1_code(code)
        if "01" not in data or "10" not in data:
            raise gs1.GS1Error("The code needs a GTIN (AI 01) and a lot (AI 10)")
        return self.env["stock.lot"].search(self._class_domain(data["01"], data["10"]))

    # ------------------------------------------------------------------------------------
    # Lots
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_search(self, filters, after_id=0, limit=50):
        """Lots matching ``filters`` (gtin, product_id, supplier_id, state, expiring_before),
        by id after ``after_id``; one more than ``limit`` tells whether a next page exists."""
        domain = [("id", ">", after_id)]
        if gtin := filters.get("gtin"):
            domain += [("product_id", "in", self._products_by_gtin([gtin]).ids)]
        if product_id := filters.get("product_id"):
            domain += [("product_id", "=", product_id)]
        if supplier_id := filters.get("supplier_id"):
            domain += [("supplier_id", "=", supplier_id)]
        if state := filters.get("state"):
            domain += [("quality_state", "=", state)]
        if expiring_before := filters.get("expiring_before"):
            domain += [("expiration_date", "<", expiring_before)]
        return self.env["stock.lot"].search(domain, order="id", limit=limit + 1)

    @api.model
    def _lot_values(self, lots):
        on_hand = {
            lot: sum(by_location.values())
            for lot, by_location in lots._lot_tracking_quantities_by_location().items()
        }
        result = []
        for lot in lots:
            product = lot.product_id
            gtin = self._gtin_of(product)
            code = lot.supplier_lot_code or lot.name
            result.append(
                {
                    "id": lot.id,
                    "name": lot.name,
                    "lot_code": code,
                    "supplier_lot_code": lot.supplier_lot_code or None,
                    "digital_link": digital_link.lot_uri(gtin, code) if gtin else None,
                    "product": _ref(product, default_code=product.default_code or None, gtin=gtin),
                    "company": _ref(lot.company_id),
                    "supplier": _ref(lot.supplier_id, gln=lot.supplier_id.gln or None),
                    "quality_state": lot.quality_state,
                    "is_sellable": lot.is_sellable,
                    "sale_block_reason": lot.sale_block_reason or None,
                    "expiration_date": _datetime(lot.expiration_date),
                    "use_date": _datetime(lot.use_date),
                    "removal_date": _datetime(lot.removal_date),
                    "alert_date": _datetime(lot.alert_date),
                    "production_date": _datetime(lot.production_date),
                    "receipt_date": _datetime(lot.receipt_date),
                    "receipt": _ref(lot._lot_tracking_visible_receipts()),
                    "origin_country": lot.origin_country_id.code or None,
                    "markdown_percent": lot.markdown_percent,
                    "quantity_on_hand": on_hand.get(lot, 0.0),
                    "uom": product.uom_id.name,
                }
            )
        return result

    # ------------------------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------------------------
    @api.model
    def _quant_search(self, filters, after_id=0, limit=100):
        """Quants of lots in internal locations, by id after ``after_id``."""
        domain = [
            ("id", ">", after_id),
            ("lot_id", "!=", False),
            ("location_id.usage", "=", "internal"),
        ]
        if lot_id := filters.get("lot_id"):
            domain += [("lot_id", "=", lot_id)]
        if location_id := filters.get("location_id"):
            domain += [("location_id", "child_of", location_id)]
        if product_id := filters.get("product_id"):
            domain += [("product_id", "=", product_id)]
        if gtin := filters.get("gtin"):
            domain += [("product_id", "in", self._products_by_gtin([gtin]).ids)]
        return self.env["stock.quant"].search(domain, order="id", limit=limit + 1)

    @api.model
    def _quant_values(self, quants):
        return [
            {
                "id": quant.id,
                "lot": _ref(
                    quant.lot_id, lot_code=quant.lot_id.supplier_lot_code or quant.lot_id.name
                ),
                "product": _ref(quant.product_id),
                "location": self._location_values(quant.location_id),
                "package": _ref(quant.package_id),
                "quantity": quant.quantity,
                "reserved_quantity": quant.reserved_quantity,
                "uom": quant.product_uom_id.name,
            }
            for quant in quants
        ]

    @api.model
    def _location_values(self, location):
        warehouse = location.warehouse_id
        return {
            "id": location.id,
            "name": location.complete_name,
            "warehouse": _ref(warehouse, gln=warehouse.gln or None),
        }

    @api.model
    def _lot_stock_values(self, lot):
        """The lot's internal stock per location."""
        by_location = lot._lot_tracking_quantities_by_location().get(lot, {})
        return [
            {"location": self._location_values(location), "quantity": quantity}
            for location, quantity in sorted(by_location.items(), key=lambda item: item[0].id)
        ]

    # ------------------------------------------------------------------------------------
    # Trace
    # ------------------------------------------------------------------------------------
    @api.model
    def _trace_values(self, lot):
        """Upstream (supplier, receipt, order) and downstream (customers) of the lot, with
        every movement, POS order, stock and event: the lot trace report's data."""
        data = lot._lot_tracking_trace_data()
        downstream = defaultdict(float)
        movements = []
        for move in data["movements"]:
            kind = move["kind"]
            direction = (
                "upstream"
                if kind in UPSTREAM_KINDS
                else "downstream"
                if kind in DOWNSTREAM_KINDS
                else "internal"
            )
            if direction == "downstream":
                sign = 1 if kind in SOLD_KINDS else -1
                downstream[move["partner"]] += sign * move["quantity"]
            movements.append(
                {
                    "date": _datetime(move["date"]),
                    "kind": kind,
                    "direction": direction,
                    "reference": move["reference"] or None,
                    "origin": move["origin"] or None,
                    "from": move["location_from"],
                    "to": move["location_to"],
                    "partner": move["partner"] or None,
                    "pos_order": move["pos_order"] or None,
                    "quantity": move["quantity"],
                }
            )
        receipt = lot._lot_tracking_visible_receipts()
        purchase = receipt.purchase_id if self.env["purchase.order"].has_access("read") else None
        cost = data["cost"]
        return {
            "lot": self._lot_values(lot)[0],
            "upstream": {
                "supplier": _ref(lot.supplier_id, gln=lot.supplier_id.gln or None),
                "supplier_lot_code": lot.supplier_lot_code or None,
                "receipt": _ref(receipt),
                "purchase_order": _ref(purchase) if purchase else None,
                "origin_country": lot.origin_country_id.code or None,
                "production_date": _datetime(lot.production_date),
            },
            "downstream": [
                {"partner": partner or None, "quantity": quantity}
                for partner, quantity in sorted(downstream.items())
            ],
            "movements": movements,
            "pos_orders": [
                {
                    "name": order["name"],
                    "date": _datetime(order["date"]),
                    "customer": order["customer"] or None,
                    "quantity": order["quantity"],
                }
                for order in data["pos_orders"]
            ],
            "stock": self._lot_stock_values(lot),
            "events": self._event_values(lot.event_ids.sorted(lambda e: (e.date, e.id))),
            "cost": cost and {"unit_cost": cost["value"], "currency": cost["currency"].name},
            "uom": data["uom"],
        }

    # ------------------------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------------------------
    @api.model
    def _event_values(self, events, positions=None):
        can_read_pos = self.env["pos.order"].has_access("read")
        result = []
        for event in events:
            lot = event.lot_id
            values = {
                "id": event.id,
                "type": event.event_type,
                "date": _datetime(event.date),
                "lot": _ref(lot, lot_code=lot.supplier_lot_code or lot.name),
                "product": _ref(event.product_id, gtin=self._gtin_of(event.product_id)),
                "company": _ref(event.company_id),
                "quantity": event.quantity,
                "picking": _ref(event.picking_id),
                "pos_order": _ref(event.pos_order_id) if can_read_pos else None,
                "user": _ref(event.user_id),
                "note": event.note or None,
            }
            result.append(values)
        return result

    # ------------------------------------------------------------------------------------
    # Recalls
    # ------------------------------------------------------------------------------------
    @api.model
    def _recall_create(self, vals, lots):
        """A draft recall of ``lots``, or of the lots its product/supplier/dates select."""
        recall = self.env["lot.tracking.recall"].create(
            {**vals, "lot_ids": [fields.Command.set(lots.ids)]}
        )
        if not lots and recall.product_id:
            recall.action_select_lots()
        return recall

    @api.model
    def _recall_values(self, recalls):
        can_read_pos = self.env["pos.order"].has_access("read")
        result = []
        for recall in recalls:
            lines = recall.line_ids
            result.append(
                {
                    "id": recall.id,
                    "name": recall.name,
                    "state": recall.state,
                    "reason": recall.reason,
                    "company": _ref(recall.company_id),
                    "product": _ref(recall.product_id),
                    "supplier": _ref(recall.supplier_id),
                    "received_from": _datetime(recall.received_from),
                    "received_to": _datetime(recall.received_to),
                    "date_activated": _datetime(recall.date_activated),
                    "date_closed": _datetime(recall.date_closed),
                    "lots": [
                        _ref(lot, lot_code=lot.supplier_lot_code or lot.name)
                        for lot in recall.lot_ids
                    ],
                    "customer_count": recall.customer_count,
                    "quantity_sold": recall.quantity_sold,
                    "quantity_in_stock": recall.quantity_in_stock,
                    "affected_customers": [
                        {
                            "kind": line.kind,
                            "partner": _ref(line.partner_id),
                            "lot": _ref(line.lot_id),
                            "picking": _ref(line.picking_id),
                            "pos_order": _ref(line.pos_order_id) if can_read_pos else None,
                            "date": _datetime(line.date),
                            "quantity": line.quantity,
                        }
                        for line in lines
                        if line.kind in ("sold", "returned")
                    ],
                    "affected_stock": [
                        {
                            "kind": line.kind,
                            "lot": _ref(line.lot_id),
                            "location": self._location_values(line.location_id),
                            "quantity": line.quantity,
                        }
                        for line in lines
                        if line.kind in ("stock", "transit")
                    ],
                }
            )
        return result
