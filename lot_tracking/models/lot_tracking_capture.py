import datetime
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, float_round, format_date, index_exists
from odoo.tools.misc import formatLang

from ..tools import epcis
from ..tools.epcis_capture import CaptureError, read_document

EVENT_UIDS_INDEX = "lot_tracking_capture_event_uids_index"


class LotTrackingCapture(models.Model):
    """An EPCIS document captured through ``POST /epcis/capture``: the advance shipping
    notices it put on receipts. Only successful captures are stored; a refused document
    leaves nothing behind."""

    _name = "lot.tracking.capture"
    _description = "Lot Tracking EPCIS Capture"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", "Sent By", readonly=True, default=lambda self: self.env.uid
    )
    document_identifier = fields.Char(readonly=True, help="The EPCIS document's own id.")
    event_count = fields.Integer("Events", readonly=True)
    event_uids = fields.Json("Event IDs", readonly=True, copy=False)
    finished_at = fields.Datetime(readonly=True)
    picking_ids = fields.Many2many(
        "stock.picking",
        "lot_tracking_capture_picking_rel",
        "capture_id",
        "picking_id",
        "Receipts",
        readonly=True,
    )
    asn_line_ids = fields.Many2many(
        "lot.tracking.asn.line",
        "lot_tracking_asn_line_capture_rel",
        "capture_id",
        "line_id",
        "Announced Lots",
        readonly=True,
    )

    def init(self):
        """Event IDs are unique: the index finds a repeated one in a single lookup."""
        res = super().init()
        if not index_exists(self.env.cr, EVENT_UIDS_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s USING gin (event_uids)",
                    SQL.identifier(EVENT_UIDS_INDEX),
                    SQL.identifier(self._table),
                )
            )
        return res

    @api.depends("create_date")
    def _compute_display_name(self):
        for capture in self:
            capture.display_name = self.env._("EPCIS Capture %(id)s", id=capture.id)

    # ------------------------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_tracking_capture(self, document):
        """Capture an EPCIS document (parsed JSON) as advance shipping notices, as the
        caller. Everything is checked first; a document with any error raises CaptureError
        with all of them and writes nothing, and the writes run in a savepoint: a failure
        halfway leaves nothing behind either."""
        notice = read_document(document)
        plan = _Plan(self.env)
        plan.resolve(notice)
        if plan.errors:
            raise CaptureError(plan.errors)
        with self.env.cr.savepoint():
            return self._lot_tracking_apply(notice, plan)

    @api.model
    def _lot_tracking_apply(self, notice, plan):
        capture = self.create(
            {
                "company_id": plan.company.id,
                "document_identifier": notice.document_id,
                "event_count": len(plan.events),
                "event_uids": notice.event_ids,
                "picking_ids": [(6, 0, plan.receipts.ids)],
            }
        )
        lots = plan.create_lots()
        Line = self.env["lot.tracking.asn.line"]
        existing = Line.search(
            [("picking_id", "in", plan.receipts.ids), ("lot_id", "in", lots.ids)]
        )
        by_key = {(line.picking_id.id, line.lot_id.id): line for line in existing}
        new_vals = []
        for entry in plan.entries.values():
            receipt, lot = entry["receipt"], entry["lot"]
            line = by_key.get((receipt.id, lot.id))
            if line:
                line.write(
                    {
                        "quantity": line.quantity + entry["quantity"],
                        "announced": True,
                        "capture_ids": [(4, capture.id)],
                    }
                )
            else:
                new_vals.append(
                    {
                        "picking_id": receipt.id,
                        "product_id": entry["move"].product_id.id,
                        "lot_id": lot.id,
                        "quantity": entry["quantity"],
                        "expiration_date": entry["expiry_dt"],
                        "capture_ids": [(4, capture.id)],
                    }
                )
        Line.create(new_vals)
        plan.post_notices(capture)
        capture.finished_at = fields.Datetime.now()
        return capture

    @api.model
    def _lot_tracking_captured_event_ids(self, company, event_ids):
        """{event ID: capture id} of ``event_ids`` already captured in ``company``."""
        if not event_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """SELECT uid, capture.id FROM %s AS capture,
                   jsonb_array_elements_text(capture.event_uids) AS uid
                   WHERE capture.company_id = %s AND capture.event_uids ?| %s AND uid = ANY(%s)""",
                SQL.identifier(self._table),
                company.id,
                list(event_ids),
                list(event_ids),
            )
        )
        return dict(rows)

    def _lot_tracking_job(self):
        """The capture job of the EPCIS REST binding (``GET /epcis/capture/<id>``)."""
        self.ensure_one()
        return {
            "captureID": str(self.id),
            "createdAt": epcis.format_time(self.create_date),
            "finishedAt": epcis.format_time(self.finished_at or self.create_date),
            "running": False,
            "success": True,
            "captureErrorBehaviour": "rollback",
            "errors": [],
            "eventCount": self.event_count,
            "receipts": [
                {
                    "id": receipt.id,
                    "name": receipt.name,
                    "purchaseOrder": receipt.purchase_id.name or None,
                    "lots": [
                        {
                            "lot": line.lot_id.name,
                            "lotCode": line.lot_id.supplier_lot_code or line.lot_id.name,
                            "quantity": line.quantity,
                        }
                        for line in self.asn_line_ids
                        if line.picking_id == receipt
                    ],
                }
                for receipt in self.picking_ids
            ],
        }


class _Plan:
    """What a notice will do, worked out (and checked) before anything is written."""

    def __init__(self, env):
        self.env = env
        self.errors = []
        self.events = set()
        self.company = env["res.company"]
        self.receipts = env["stock.picking"]
        # (receipt id, product id, lot code): receipt, move, lot (or None), quantity,
        # expiry, master data
        self.entries = {}

    def error(self, pointer, message):
        self.errors.append({"pointer": pointer, "message": message})

    # -- resolving ----------------------------------------------------------------------
    def resolve(self, notice):
        orders = self._orders(notice.shipments)
        products = self.env["lot.tracking.api"]._products_by_gtin(
            sorted({item.gtin for shipment in notice.shipments for item in shipment.items})
        )
        Api = self.env["lot.tracking.api"]
        products_by_gtin = defaultdict(lambda: self.env["product.product"])
        for product in products:
            products_by_gtin[Api._gtin_of(product)] |= product
        units = self._units()
        for shipment in notice.shipments:
            order = orders.get(shipment.pointer)
            if not order:
                continue
            receipt = self._receipt(order, shipment)
            if not receipt:
                continue
            self.events.add(shipment.pointer)
            for item in shipment.items:
                move = self._move(receipt, order, products_by_gtin[item.gtin], item)
                if not move:
                    continue
                quantity = self._quantity(move.product_id, item, units)
                if quantity is None:
                    continue
                master = notice.master_data.get((item.gtin, item.lot), {})
                key = (receipt.id, move.product_id.id, item.lot)
                entry = self.entries.setdefault(
                    key,
                    {
                        "receipt": receipt,
                        "move": move,
                        "code": item.lot,
                        "lot": None,
                        "quantity": 0.0,
                        "master": master,
                        "pointer": item.pointer,
                    },
                )
                entry["quantity"] += quantity
                self.receipts |= receipt
        companies = self.receipts.company_id
        if len(companies) > 1:
            self.error(
                "/epcisBody",
                self.env._("The document names orders of several companies: send one per company."),
            )
            return
        self.company = companies
        self._match_lots()
        self._check_duplicates(notice)

    def _orders(self, shipments):
        """{shipment pointer: purchase order}, reporting unknown and ambiguous references."""
        names = {s.order[2] for s in shipments if s.order[0] == "name"}
        ids = {s.order[1] for s in shipments if s.order[0] == "id"}
        Order = self.env["purchase.order"]
        found = Order.search(["|", ("name", "in", sorted(names)), ("id", "in", sorted(ids))])
        glns = {company.gln: company for company in found.company_id if company.gln}
        result = {}
        for shipment in shipments:
            if shipment.order[0] == "id":
                candidates = found.filtered(lambda o, s=shipment: o.id == s.order[1])
            else:
                __, gln, name = shipment.order
                candidates = found.filtered(lambda o, n=name: o.name == n)
                if gln in glns:  # our own GLN: that company's order
                    candidates = candidates.filtered(lambda o, c=glns[gln]: o.company_id == c)
            pointer = f"{shipment.pointer}/bizTransactionList"
            if not candidates:
                self.error(
                    pointer,
                    self.env._(
                        "%(order)s names no purchase order known here.",
                        order=shipment.order_text[:200],
                    ),
                )
            elif len(candidates) > 1:
                self.error(
                    pointer,
                    self.env._(
                        "%(order)s matches orders of several companies: name the order with "
                        "the GLN of the company that placed it.",
                        order=shipment.order_text[:200],
                    ),
                )
            elif candidates.state not in ("purchase", "done"):
                self.error(
                    pointer,
                    self.env._("Purchase order %(order)s is not confirmed.", order=candidates.name),
                )
            else:
                result[shipment.pointer] = candidates
        return result

    def _receipt(self, order, shipment):
        receipts = order.picking_ids.filtered(
            lambda p: p._lot_tracking_is_supplier_receipt() and p.state not in ("done", "cancel")
        ).sorted(lambda p: (p.scheduled_date, p.id))
        if not receipts:
            self.error(
                f"{shipment.pointer}/bizTransactionList",
                self.env._(
                    "Purchase order %(order)s has no receipt waiting for goods: everything "
                    "is received or cancelled.",
                    order=order.name,
                ),
            )
        return receipts[:1]

    def _move(self, receipt, order, products, item):
        pointer = f"{item.pointer}/epcClass"
        if not products:
            self.error(pointer, self.env._("No product has GTIN %(gtin)s.", gtin=item.gtin))
            return None
        product = products & order.order_line.product_id
        if not product:
            self.error(
                pointer,
                self.env._(
                    "%(product)s (GTIN %(gtin)s) is not on purchase order %(order)s.",
                    product=products[0].display_name,
                    gtin=item.gtin,
                    order=order.name,
                ),
            )
            return None
        product = product[0]
        if product.tracking != "lot":
            self.error(
                pointer,
                self.env._("%(product)s is not tracked by lot.", product=product.display_name),
            )
            return None
        move = receipt.move_ids.filtered(
            lambda m: m.product_id == product and m.state not in ("done", "cancel")
        )[:1]
        if not move:
            self.error(
                pointer,
                self.env._(
                    "%(product)s of purchase order %(order)s is already received.",
                    product=product.display_name,
                    order=order.name,
                ),
            )
            return None
        return move

    def _units(self):
        """{UN/CEFACT code: unit} of Odoo's standard units."""
        units = {}
        for xmlid, code in epcis.UOM_CODES.items():
            if unit := self.env.ref(xmlid, raise_if_not_found=False):
                units[code] = unit
        return units

    def _quantity(self, product, item, units):
        """The item's quantity in the product's unit (None when it cannot be converted)."""
        if item.uom is None:
            return item.quantity
        unit = units.get(item.uom)
        if not unit or unit.category_id != product.uom_id.category_id:
            self.error(
                f"{item.pointer}/uom",
                self.env._(
                    "%(product)s is counted in %(unit)s: unit %(code)s cannot be converted.",
                    product=product.display_name,
                    unit=product.uom_id.name,
                    code=item.uom,
                ),
            )
            return None
        return unit._compute_quantity(item.quantity, product.uom_id, round=False)

    def _match_lots(self):
        """Find the lots already known (same product, supplier and lot code); their expiry
        must be the announced one."""
        if not self.entries:
            return
        lots = self.env["stock.lot"].search(
            [
                ("product_id", "in", sorted({key[1] for key in self.entries})),
                ("supplier_lot_code", "in", sorted({key[2] for key in self.entries})),
                ("company_id", "in", [self.company.id, False]),
            ]
        )
        known = {
            (lot.product_id.id, lot.supplier_id.id, lot.supplier_lot_code): lot for lot in lots
        }
        for entry in self.entries.values():
            receipt = entry["receipt"]
            supplier = receipt.partner_id.commercial_partner_id
            lot = known.get((entry["move"].product_id.id, supplier.id, entry["code"]))
            expiry = entry["master"].get("expiry")
            entry["expiry_dt"] = expiry and datetime.datetime.combine(
                expiry, datetime.time(23, 59, 59)
            )
            if lot and expiry and lot.expiration_date and lot.expiration_date.date() != expiry:
                self.error(
                    entry["pointer"],
                    self.env._(
                        "Lot %(code)s of %(product)s is already known with expiry %(known)s, "
                        "not %(announced)s.",
                        code=entry["code"],
                        product=lot.product_id.display_name,
                        known=format_date(self.env, lot.expiration_date),
                        announced=format_date(self.env, expiry),
                    ),
                )
            entry["lot"] = lot or None
            entry["supplier"] = supplier

    def _check_duplicates(self, notice):
        if not self.company:
            return
        Capture = self.env["lot.tracking.capture"]
        captured = Capture._lot_tracking_captured_event_ids(self.company, notice.event_ids)
        for event_id, capture_id in captured.items():
            self.error(
                "/epcisBody",
                self.env._(
                    "Event %(event)s was already captured (capture %(capture)s).",
                    event=event_id[:200],
                    capture=capture_id,
                ),
            )

    # -- writing ------------------------------------------------------------------------
    def create_lots(self):
        """The lots of every entry: the known ones, and new ones prepared from the notice
        (one per product, supplier and lot code, numbered by our sequences in batches)."""
        new = defaultdict(list)  # (product id, supplier id, code): entries
        for entry in self.entries.values():
            if not entry["lot"]:
                new[entry["move"].product_id.id, entry["supplier"].id, entry["code"]].append(entry)
        default_sequence = self.env.ref("lot_tracking.ir_sequence_lot")
        by_sequence = defaultdict(list)
        for entries in new.values():
            product = entries[0]["move"].product_id
            by_sequence[product.categ_id.lot_sequence_id or default_sequence].append(entries)
        countries = self._countries(self.entries.values())
        Lot = self.env["stock.lot"]
        ordered, vals_list = [], []
        end_of_day = datetime.time(23, 59, 59)
        no_country = self.env["res.country"]
        for sequence, groups in by_sequence.items():
            names = sequence.sudo()._lot_tracking_next_batch(len(groups))
            for entries, name in zip(groups, names, strict=True):
                entry = entries[0]
                move, master = entry["move"], entry["master"]
                best_before = master.get("best_before")
                vals = {
                    "name": name,
                    "product_id": move.product_id.id,
                    "company_id": entry["receipt"].company_id.id,
                    # announced, not received: the receipt is recorded once it is validated
                    **Lot._prepare_lot_tracking_receipt_vals(
                        entry["receipt"],
                        move,
                        received=False,
                        supplier_lot_code=entry["code"],
                        production_date=master.get("production"),
                        expiration_date=entry["expiry_dt"],
                        use_date=best_before and datetime.datetime.combine(best_before, end_of_day),
                        origin_country_id=countries.get(master.get("origin"), no_country).id,
                    ),
                }
                ordered.append(entries)
                vals_list.append(vals)
        created = Lot._lot_tracking_create_received(vals_list)
        for entries, lot in zip(ordered, created, strict=True):
            for entry in entries:
                entry["lot"] = lot
        return Lot.union(*(entry["lot"] for entry in self.entries.values()))

    def _countries(self, entries):
        codes = sorted({e["master"]["origin"] for e in entries if e["master"].get("origin")})
        if not codes:
            return {}
        return {c.code: c for c in self.env["res.country"].search([("code", "in", codes)])}

    def post_notices(self, capture):
        """One chatter message per receipt: the lots the notice announces."""
        by_receipt = defaultdict(list)
        for entry in self.entries.values():
            by_receipt[entry["receipt"]].append(entry)
        for receipt, entries in by_receipt.items():
            items = []
            for entry in entries:
                lot, unit = entry["lot"], entry["move"].product_id.uom_id
                text = self.env._(
                    "%(product)s lot %(code)s (%(lot)s): %(qty)s %(uom)s",
                    product=lot.product_id.display_name,
                    code=entry["code"],
                    lot=lot.name,
                    qty=formatLang(
                        self.env,
                        float_round(entry["quantity"], precision_rounding=unit.rounding),
                        dp="Product Unit of Measure",
                    ),
                    uom=unit.name,
                )
                if entry["expiry_dt"]:
                    text += self.env._(
                        ", expires %(date)s", date=format_date(self.env, entry["expiry_dt"])
                    )
                items.append(text)
            receipt._message_log(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "Advance shipping notice received (EPCIS capture %(capture)s): scan "
                        "the labels on arrival to confirm these lots.",
                        capture=capture.id,
                    ),
                    Markup().join(Markup("<li>%s</li>") % item for item in items),
                )
            )
