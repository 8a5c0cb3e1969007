"""Read an EPCIS 2.0 document sent to ``POST /epcis/capture`` as advance shipping notices.
Pure Python, no Odoo import.

GS1's JSON Schema cannot ship with the module (its licence is a GS1 notice), so the structure
the capture relies on is checked here, with a JSON Pointer and a message per problem:

- an ``EPCISDocument`` (or ``EPCISQueryDocument``), ``schemaVersion`` 2.0, its events in
  ``epcisBody``;
- shipping ``ObjectEvent``\\ s: lot quantities (``quantityList``: a Digital Link URI with a lot
  or an LGTIN URN, a positive quantity, an optional UN/CEFACT unit) and a ``po``
  ``bizTransaction`` naming one of our purchase orders;
- lot master data (expiry, best before, production date, country of origin) from
  ``epcisHeader.epcisMasterData`` (EPCClass vocabulary) or from the ``ilmd`` of an ADD event
  of the same document, the only events besides shipping ones it accepts.
"""

import dataclasses
import datetime
import re
from urllib.parse import unquote

from . import digital_link, epcis, gs1

# Events one capture takes (GS1-EPCIS-Capture-Limit)
MAX_EVENTS = 5000
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ACTIONS = ("ADD", "OBSERVE", "DELETE")
_OFFSET = re.compile(r"^[+-]([01]\d|2[0-3]):[0-5]\d$")
_UOM = re.compile(r"^[A-Z0-9]{2,3}$")
# urn:epcglobal:cbv:bt:<GLN of the issuer>:<document reference> (CBV 2.0, section 8.5)
_CBV_BT = re.compile(r"^urn:epcglobal:cbv:bt:(\d{13}):(.+)$")
# a purchase order's address in this Odoo, as the query side names it
_ODOO_PO = re.compile(r"^https?://[^/?#]+/odoo/purchase\.order/(\d{1,10})$")
_TYPE_PREFIXES = ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-")

# Master data attributes: CBV CURIE, full CBV URI, GS1 Web Vocabulary term
_MDA = {
    "expiry": ("itemExpirationDate", "expirationDate"),
    "best_before": ("bestBeforeDate",),
    "production": ("productionDate",),
    "origin": ("countryOfOrigin",),
    "lot": ("lotNumber",),
}
_MDA_PREFIXES = ("cbvmda:", "urn:epcglobal:cbv:mda#", "gs1:", "https://gs1.org/voc/")


class CaptureError(ValueError):
    """The document cannot be captured: ``errors`` lists ``{"pointer", "message"}``."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{e['pointer']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclasses.dataclass
class Item:
    pointer: str
    gtin: str
    lot: str
    quantity: float
    uom: str | None


@dataclasses.dataclass
class Shipment:
    """A shipping event: what it ships, for which purchase order."""

    pointer: str
    event_id: str | None
    event_time: datetime.datetime
    order: tuple  # ("name", GLN, reference) or ("id", record id)
    order_text: str
    despatch_advice: str | None
    items: list


@dataclasses.dataclass
class Notice:
    """What a document announces: its shipments, lot master data by ``(gtin, lot)``, the
    event IDs it carries and the document's own identifier."""

    shipments: list
    master_data: dict
    event_ids: list
    document_id: str | None


class _Reader:
    def __init__(self):
        self.errors = []

    def error(self, pointer, message):
        self.errors.append({"pointer": pointer or "/", "message": message})

    def expect(self, value, kind, pointer, name):
        """``value`` is of JSON type ``kind`` (a Python type or tuple); report it if not."""
        if isinstance(value, kind) and not isinstance(value, bool):
            return True
        expected = {dict: "an object", list: "an array", str: "a string"}.get(kind, "a number")
        self.error(pointer, f"{name} must be {expected}.")
        return False

    def time(self, value, pointer, name):
        if not self.expect(value, str, pointer, name):
            return None
        try:
            return epcis.parse_time(value)
        except ValueError:
            self.error(pointer, f"{name} must be a date-time with a time zone (RFC 3339).")
            return None

    def date(self, value, pointer, name):
        """An xsd:date (``2027-01-31``), or the date of a date-time."""
        if not self.expect(value, str, pointer, name):
            return None
        try:
            if len(value) == 10:
                return datetime.date.fromisoformat(value)
            return epcis.parse_time(value).date()
        except ValueError:
            self.error(pointer, f"{name} must be a date (YYYY-MM-DD), got {value[:40]!r}.")
            return None

    def epc_class(self, value, pointer):
        """``(gtin, lot)`` of a lot's EPC class."""
        if not self.expect(value, str, pointer, "epcClass"):
            return None
        try:
            gtin, lot = digital_link.parse_epc_class(value)
        except gs1.GS1Error as error:
            self.error(pointer, f"epcClass: {error}.")
            return None
        if not lot:
            self.error(pointer, f"epcClass {value[:200]} names no lot (AI 10): announce lots.")
            return None
        return gtin, lot


def read_document(document):
    """The :class:`Notice` of ``document`` (parsed JSON); raise :class:`CaptureError` with
    every problem found."""
    reader = _Reader()
    notice = _read(reader, document)
    if reader.errors:
        raise CaptureError(reader.errors)
    return notice


def _read(reader, document):
    if not reader.expect(document, dict, "", "The document"):
        return None
    kind = document.get("type")
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        reader.error("/type", "type must be EPCISDocument (or EPCISQueryDocument).")
        return None
    if document.get("schemaVersion") != epcis.SCHEMA_VERSION:
        reader.error("/schemaVersion", f'schemaVersion must be "{epcis.SCHEMA_VERSION}".')
    if not isinstance(document.get("@context"), str | list) or not document.get("@context"):
        reader.error("/@context", "@context must name the EPCIS 2.0 JSON-LD context.")
    reader.time(document.get("creationDate"), "/creationDate", "creationDate")
    body = document.get("epcisBody")
    if not reader.expect(body, dict, "/epcisBody", "epcisBody"):
        return None
    vocabularies, vocabularies_pointer = None, None
    if kind == "EPCISDocument":
        events, events_pointer = body.get("eventList"), "/epcisBody/eventList"
        header = document.get("epcisHeader", {})
        if reader.expect(header, dict, "/epcisHeader", "epcisHeader"):
            master = header.get("epcisMasterData", {})
            if reader.expect(master, dict, "/epcisHeader/epcisMasterData", "epcisMasterData"):
                vocabularies = master.get("vocabularyList", [])
                vocabularies_pointer = "/epcisHeader/epcisMasterData/vocabularyList"
    else:
        results = body.get("queryResults", {}).get("resultsBody", {})
        events_pointer = "/epcisBody/queryResults/resultsBody/eventList"
        events = results.get("eventList") if isinstance(results, dict) else None
        vocabularies = results.get("vocabularyList", []) if isinstance(results, dict) else []
        vocabularies_pointer = "/epcisBody/queryResults/resultsBody/vocabularyList"
    if not reader.expect(events, list, events_pointer, "eventList"):
        return None
    if not events:
        reader.error(events_pointer, "eventList is empty: nothing to capture.")
    if len(events) > MAX_EVENTS:
        reader.error(events_pointer, f"At most {MAX_EVENTS} events per capture: split it.")
        return None
    master_data = {}
    if vocabularies:
        _read_vocabularies(reader, vocabularies, vocabularies_pointer, master_data)
    shipments, event_ids, ilmd_data = [], [], {}
    for index, event in enumerate(events):
        pointer = f"{events_pointer}/{index}"
        values = _read_event(reader, event, pointer)
        if values is None:
            continue
        if values["event_id"]:
            if values["event_id"] in event_ids:
                reader.error(f"{pointer}/eventID", "The document repeats this eventID.")
            event_ids.append(values["event_id"])
        if values["ilmd"]:
            for key in values["classes"]:
                _merge(reader, ilmd_data, key, values["ilmd"], f"{pointer}/ilmd")
        if values["shipment"]:
            shipments.append(values["shipment"])
        elif not values["ilmd"]:
            reader.error(
                pointer,
                "Only shipping ObjectEvents (advance shipping notices naming one of our "
                "purchase orders) and ADD events carrying lot master data (ilmd) are captured "
                "here.",
            )
    if events and not shipments and not reader.errors:
        reader.error(events_pointer, "The document has no shipping event: nothing to announce.")
    for key, values in ilmd_data.items():
        _merge(reader, master_data, key, values, "ilmd")
    document_id = document.get("id") or document.get("instanceIdentifier")
    return Notice(
        shipments=shipments,
        master_data=master_data,
        event_ids=event_ids,
        document_id=document_id if isinstance(document_id, str) else None,
    )


def _read_event(reader, event, pointer):
    if not reader.expect(event, dict, pointer, "An event"):
        return None
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        reader.error(f"{pointer}/type", f"type must be one of {', '.join(EVENT_TYPES)}.")
        return None
    if kind != "ObjectEvent":
        reader.error(f"{pointer}/type", f"{kind}s are not captured here: send ObjectEvents.")
        return None
    action = event.get("action")
    if action not in ACTIONS:
        reader.error(f"{pointer}/action", "action must be ADD, OBSERVE or DELETE.")
    event_time = reader.time(event.get("eventTime"), f"{pointer}/eventTime", "eventTime")
    offset = event.get("eventTimeZoneOffset")
    if not isinstance(offset, str) or not _OFFSET.match(offset):
        reader.error(f"{pointer}/eventTimeZoneOffset", "eventTimeZoneOffset must look like +01:00.")
    event_id = event.get("eventID")
    if event_id is not None and (not isinstance(event_id, str) or ":" not in event_id):
        reader.error(f"{pointer}/eventID", "eventID must be a URI.")
        event_id = None
    bizstep = event.get("bizStep")
    if bizstep is not None and not reader.expect(bizstep, str, f"{pointer}/bizStep", "bizStep"):
        bizstep = None
    is_shipping = bizstep is not None and epcis.normalize_bizstep(bizstep) == "shipping"
    items = _read_quantities(reader, event, pointer)
    classes = [(item.gtin, item.lot) for item in items]
    ilmd = None
    if "ilmd" in event:
        if action != "ADD":
            reader.error(f"{pointer}/ilmd", "ilmd is allowed on ADD events only.")
        elif reader.expect(event["ilmd"], dict, f"{pointer}/ilmd", "ilmd"):
            ilmd = _read_attributes(reader, event["ilmd"].items(), f"{pointer}/ilmd")
            if not classes:
                reader.error(f"{pointer}/ilmd", "ilmd needs the lots it describes (quantityList).")
    shipment = None
    if is_shipping:
        if event.get("epcList"):
            reader.error(
                f"{pointer}/epcList",
                "Serialised items (epcList) are not announced here: send lot quantities "
                "(quantityList).",
            )
        if not items and not any(e["pointer"].startswith(pointer) for e in reader.errors):
            reader.error(f"{pointer}/quantityList", "A shipping event needs a quantityList.")
        order = _read_transactions(reader, event, pointer)
        if order and event_time:
            shipment = Shipment(
                pointer=pointer,
                event_id=event_id,
                event_time=event_time,
                order=order[0],
                order_text=order[1],
                despatch_advice=order[2],
                items=items,
            )
    return {"event_id": event_id, "shipment": shipment, "ilmd": ilmd, "classes": classes}


def _read_quantities(reader, event, pointer):
    quantities = event.get("quantityList", [])
    if not reader.expect(quantities, list, f"{pointer}/quantityList", "quantityList"):
        return []
    items = []
    for index, element in enumerate(quantities):
        at = f"{pointer}/quantityList/{index}"
        if not reader.expect(element, dict, at, "A quantity element"):
            continue
        key = reader.epc_class(element.get("epcClass"), f"{at}/epcClass")
        quantity = element.get("quantity")
        if not isinstance(quantity, int | float) or isinstance(quantity, bool) or quantity <= 0:
            reader.error(f"{at}/quantity", "quantity must be a number greater than 0.")
            continue
        uom = element.get("uom")
        if uom is not None and (not isinstance(uom, str) or not _UOM.match(uom)):
            reader.error(f"{at}/uom", "uom must be a UN/CEFACT unit code (KGM, LTR, …).")
            continue
        if key:
            items.append(Item(at, key[0], key[1], float(quantity), uom))
    return items


def _read_transactions(reader, event, pointer):
    """``(order key, text, despatch advice)`` of a shipping event's ``po`` transaction."""
    transactions = event.get("bizTransactionList", [])
    at = f"{pointer}/bizTransactionList"
    if not reader.expect(transactions, list, at, "bizTransactionList"):
        return None
    orders, despatch = [], None
    for index, transaction in enumerate(transactions):
        item = f"{at}/{index}"
        if not reader.expect(transaction, dict, item, "A bizTransaction"):
            continue
        value = transaction.get("bizTransaction")
        if not reader.expect(value, str, f"{item}/bizTransaction", "bizTransaction"):
            continue
        kind = transaction.get("type", "")
        for prefix in _TYPE_PREFIXES:
            if isinstance(kind, str) and kind.startswith(prefix):
                kind = kind[len(prefix) :]
        if kind == "desadv":
            despatch = value
        if kind != "po":
            continue
        if match := _CBV_BT.match(value):
            orders.append((("name", match[1], unquote(match[2])), value))
        elif match := _ODOO_PO.match(value):
            orders.append((("id", int(match[1])), value))
        else:
            reader.error(
                f"{item}/bizTransaction",
                f"{value[:200]} is not a purchase order reference this server reads: use "
                "urn:epcglobal:cbv:bt:<GLN of the buyer>:<order reference>.",
            )
            return None
    if not orders:
        reader.error(at, "A shipping event needs a bizTransaction of type po (our order).")
        return None
    if len({key for key, __ in orders}) > 1:
        reader.error(at, "A shipping event names one purchase order: split the event.")
        return None
    return orders[0][0], orders[0][1], despatch


def _read_vocabularies(reader, vocabularies, pointer, master_data):
    if not reader.expect(vocabularies, list, pointer, "vocabularyList"):
        return
    for index, vocabulary in enumerate(vocabularies):
        at = f"{pointer}/{index}"
        if not reader.expect(vocabulary, dict, at, "A vocabulary"):
            continue
        if vocabulary.get("type") != epcis.VTYPE_EPC_CLASS:
            continue  # locations, parties…: not needed to prepare lots
        elements = vocabulary.get("vocabularyElementList", [])
        if not reader.expect(
            elements, list, f"{at}/vocabularyElementList", "vocabularyElementList"
        ):
            continue
        for number, element in enumerate(elements):
            item = f"{at}/vocabularyElementList/{number}"
            if not reader.expect(element, dict, item, "A vocabulary element"):
                continue
            identifier = element.get("id")
            if not isinstance(identifier, str):
                reader.error(f"{item}/id", "id must be a string.")
                continue
            try:
                gtin, lot = digital_link.parse_epc_class(identifier)
            except gs1.GS1Error:
                continue  # a class that is not a lot of a GTIN: nothing to prepare
            if not lot:
                continue
            attributes = element.get("attributes", [])
            if not reader.expect(attributes, list, f"{item}/attributes", "attributes"):
                continue
            pairs = []
            for position, attribute in enumerate(attributes):
                if reader.expect(attribute, dict, f"{item}/attributes/{position}", "attribute"):
                    pairs.append((attribute.get("id"), attribute.get("attribute")))
            values = _read_attributes(reader, pairs, f"{item}/attributes")
            _merge(reader, master_data, (gtin, lot), values, item)


def _read_attributes(reader, pairs, pointer):
    """The lot attributes the module keeps, from ``(name, value)`` pairs."""
    values = {}
    for name, value in pairs:
        if not isinstance(name, str):
            continue
        term = name
        for prefix in _MDA_PREFIXES:
            if name.startswith(prefix):
                term = name[len(prefix) :]
                break
        for key, terms in _MDA.items():
            if term not in terms:
                continue
            if key == "origin":
                if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value):
                    reader.error(pointer, f"{name} must be an ISO 3166 alpha-2 country code.")
                    continue
                values[key] = value.upper()
            elif key == "lot":
                continue
            else:
                parsed = reader.date(value, pointer, name)
                if parsed:
                    values[key] = parsed
    return values


def _merge(reader, data, key, values, pointer):
    """Add ``values`` to the master data of ``key``, reporting a contradiction."""
    known = data.setdefault(key, {})
    for name, value in values.items():
        if name in known and known[name] != value:
            reader.error(
                pointer,
                f"Lot {key[1]} of GTIN {key[0]}: {name} {value} contradicts {known[name]} "
                "given elsewhere in the document.",
            )
        known[name] = value
