import uuid
from urllib.parse import quote

import pytz

from odoo import api, fields, models
from odoo.osv import expression

from ..tools import digital_link, epcis


class LotTrackingEpcis(models.AbstractModel):
    """Lot events as GS1 EPCIS 2.0 events (CBV 2.0 terms, Digital Link identifiers).

    Read as the caller: events, lots, pickings and orders go through the caller's rights;
    a purchase or POS order the caller may not read is left out of the event, not read
    with ``sudo``.
    """

    _name = "lot.tracking.epcis"
    _description = "Lot Tracking EPCIS"

    # ------------------------------------------------------------------------------------
    # Query
    # ------------------------------------------------------------------------------------
    @api.model
    def _event_domain(self, query):
        """The ``lot.tracking.event`` domain of a query (values already checked):

        ``event_types`` (EPCIS types), ``ge_time``/``lt_time`` (naive UTC), ``bizsteps``/
        ``dispositions`` (bare CBV words), ``classes`` (``(gtin, lot code or None)``),
        ``lot_ids`` and ``locations`` (GLNs); each optional.
        """
        types = epcis.event_types_for(query.get("bizsteps"), query.get("dispositions"))
        if query.get("event_types") is not None and "ObjectEvent" not in query["event_types"]:
            types = set()
        domain = [("event_type", "in", sorted(types))]
        if query.get("ge_time"):
            domain.append(("date", ">=", query["ge_time"]))
        if query.get("lt_time"):
            domain.append(("date", "<", query["lt_time"]))
        if query.get("classes") is not None or query.get("lot_ids") is not None:
            Api = self.env["lot.tracking.api"]
            lot_domains = [Api._class_domain(gtin, lot) for gtin, lot in query.get("classes") or []]
            if query.get("lot_ids"):
                lot_domains.append([("id", "in", query["lot_ids"])])
            lots = self.env["stock.lot"].search(expression.OR(lot_domains or [[("id", "=", 0)]]))
            domain.append(("lot_id", "in", lots.ids))
        if query.get("locations") is not None:
            warehouses = self.env["stock.warehouse"].search([("gln", "in", query["locations"])])
            location_domain = [("picking_id.picking_type_id.warehouse_id", "in", warehouses.ids)]
            if self.env["pos.order"].has_access("read"):
                pos_path = "pos_order_id.picking_ids.picking_type_id.warehouse_id"
                pos_domain = [(pos_path, "in", warehouses.ids)]
                location_domain = expression.OR([location_domain, pos_domain])
            domain = expression.AND([domain, location_domain])
        return domain

    @api.model
    def _query_events(self, query, after=(0, 0), limit=30):
        """``(events, positions, more)``: a page of the query in feed order (see
        ``lot.tracking.event._lot_tracking_feed``)."""
        Event = self.env["lot.tracking.event"]
        events, positions = Event._lot_tracking_feed(self._event_domain(query), after, limit + 1)
        return events[:limit], positions[:limit], len(events) > limit

    # ------------------------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------------------------
    @api.model
    def _query_document(self, events):
        """An ``EPCISQueryDocument`` (SimpleEventQuery) of ``events``, with the master data of
        their lots in the results' ``vocabularyList`` (the query document has no header)."""
        event_list, vocabulary = self._events_values(events)
        results = {"eventList": event_list}
        if vocabulary:
            results["vocabularyList"] = vocabulary
        return {
            "@context": [epcis.EPCIS_CONTEXT],
            "type": "EPCISQueryDocument",
            "schemaVersion": epcis.SCHEMA_VERSION,
            "creationDate": epcis.format_time(fields.Datetime.now()),
            "epcisBody": {
                "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": results}
            },
        }

    @api.model
    def _document(self, events):
        """An ``EPCISDocument`` of ``events``, the master data of their lots in
        ``epcisHeader.epcisMasterData``."""
        event_list, vocabulary = self._events_values(events)
        document = {
            "@context": [epcis.EPCIS_CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": epcis.SCHEMA_VERSION,
            "creationDate": epcis.format_time(fields.Datetime.now()),
            "epcisBody": {"eventList": event_list},
        }
        if vocabulary:
            document["epcisHeader"] = {"epcisMasterData": {"vocabularyList": vocabulary}}
        return document

    @api.model
    def _events_values(self, events):
        """``(eventList, vocabularyList)`` of lot events that have an EPCIS meaning."""
        events = events.filtered(lambda event: event.event_type in epcis.CBV_MAPPING)
        Api = self.env["lot.tracking.api"]
        uom_codes = self._uom_codes()
        can_read_pos = self.env["pos.order"].has_access("read")
        can_read_purchase = self.env["purchase.order"].has_access("read")
        database_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        class_uris = {lot: Api._lot_class_uri(lot) for lot in events.lot_id}
        event_list = []
        for event in events:
            bizstep, disposition = epcis.CBV_MAPPING[event.event_type]
            company = event.company_id or event.lot_id.company_id or self.env.company
            quantity = {"epcClass": class_uris[event.lot_id]}
            if event.quantity > 0:
                quantity["quantity"] = event.quantity
                if code := uom_codes.get(event.product_id.uom_id.id):
                    quantity["uom"] = code
            values = {
                "type": "ObjectEvent",
                "eventTime": epcis.format_time(event.date),
                "eventTimeZoneOffset": self._offset(company, event.date),
                "recordTime": epcis.format_time(event.create_date or event.date),
                "eventID": self._event_id(database_uuid, event),
                "action": "OBSERVE",
                "bizStep": bizstep,
                "quantityList": [quantity],
            }
            if disposition:
                values["disposition"] = disposition
            picking = event.picking_id
            pos_order = event.pos_order_id if can_read_pos else self.env["pos.order"]
            # a POS order's warehouse: the one its pickings leave from
            warehouse = (picking or pos_order.picking_ids[:1]).picking_type_id.warehouse_id
            if warehouse.gln:
                values["bizLocation"] = {"id": digital_link.location_uri(warehouse.gln)}
            transactions = self._transactions(event, company, can_read_purchase, pos_order)
            if transactions:
                values["bizTransactionList"] = transactions
            sources, destinations = self._parties(event, company, pos_order)
            if sources:
                values["sourceList"] = sources
            if destinations:
                values["destinationList"] = destinations
            event_list.append(values)
        return event_list, self._master_data(events.lot_id, class_uris)

    @api.model
    def _event_id(self, database_uuid, event):
        """A stable URI per event and database: a name-based UUID."""
        name = f"{database_uuid}/lot.tracking.event/{event.id}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    @api.model
    def _uom_codes(self):
        """{uom id: UN/CEFACT code} of Odoo's standard units that have one."""
        codes = {}
        for xmlid, code in epcis.UOM_CODES.items():
            if uom := self.env.ref(xmlid, raise_if_not_found=False):
                codes[uom.id] = code
        return codes

    @api.model
    def _tz(self, company):
        return pytz.timezone(company.partner_id.tz or self.env.user.tz or "UTC")

    @api.model
    def _offset(self, company, when):
        return epcis.format_offset(self._tz(company).utcoffset(when))

    @api.model
    def _transaction_uri(self, record, company):
        """A business document as a URI: ``urn:epcglobal:cbv:bt:<GLN>:<name>`` when the
        company has a GLN (CBV 2.0), else its address in this Odoo."""
        if company.gln:
            return f"urn:epcglobal:cbv:bt:{company.gln}:{quote(record.name, safe='')}"
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return f"{base_url.rstrip('/')}/odoo/{record._name}/{record.id}"

    @api.model
    def _transactions(self, event, company, can_read_purchase, pos_order):
        picking = event.picking_id
        transactions = []
        purchase = picking.purchase_id if can_read_purchase else None
        if purchase:
            transactions.append(("po", purchase))
        elif picking.picking_type_code == "outgoing" and not picking.pos_order_id:
            transactions.append(("desadv", picking))
        elif picking and event.event_type == "returned":
            transactions.append(("rma", picking))
        if pos_order:
            transactions.append(("inv", pos_order))
        return [
            {"type": kind, "bizTransaction": self._transaction_uri(record, company)}
            for kind, record in transactions
        ]

    @api.model
    def _parties(self, event, company, pos_order):
        """Owning parties the goods come from and go to, when they have a GLN."""
        partner = (pos_order.partner_id or event.picking_id.partner_id).commercial_partner_id
        ours, theirs = company.gln, partner.gln
        incoming = event.event_type in ("received", "returned")
        outgoing = event.event_type in ("shipped", "sold")
        sources, destinations = [], []
        if incoming or outgoing:
            source, destination = (theirs, ours) if incoming else (ours, theirs)
            if source:
                sources.append({"type": "owning_party", "source": digital_link.party_uri(source)})
            if destination:
                destinations.append(
                    {"type": "owning_party", "destination": digital_link.party_uri(destination)}
                )
        return sources, destinations

    @api.model
    def _master_data(self, lots, class_uris):
        """The lots as EPCClass vocabulary elements: lot number, dates, country of origin."""
        elements = []
        for lot in lots.sorted("id"):
            tz = self._tz(lot.company_id or self.env.company)
            attributes = [
                {"id": epcis.MDA_LOT_NUMBER, "attribute": lot.supplier_lot_code or lot.name}
            ]
            for attribute, value in (
                (epcis.MDA_EXPIRATION, lot.expiration_date),
                (epcis.MDA_BEST_BEFORE, lot.use_date),
            ):
                if value:
                    local = pytz.utc.localize(value).astimezone(tz).date()
                    attributes.append({"id": attribute, "attribute": local.isoformat()})
            if lot.production_date:
                attributes.append(
                    {"id": epcis.MDA_PRODUCTION, "attribute": lot.production_date.isoformat()}
                )
            if lot.origin_country_id:
                attributes.append({"id": epcis.MDA_ORIGIN, "attribute": lot.origin_country_id.code})
            elements.append({"id": class_uris[lot], "attributes": attributes})
        if not elements:
            return []
        return [{"type": epcis.VTYPE_EPC_CLASS, "vocabularyElementList": elements}]
