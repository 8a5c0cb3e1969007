"""EPCIS 2.0 / CBV 2.0 vocabulary of the module. Pure Python, no Odoo import.

How each lot event is told to supply-chain partners (readme/USAGE.md has the table): an
ObjectEvent with action OBSERVE, a CBV business step and a disposition.
"""

import base64
import binascii
import datetime
import hashlib
import json

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"

# event_type: (bizStep, disposition); None leaves the field out
CBV_MAPPING = {
    "received": ("receiving", "in_progress"),
    "returned": ("receiving", "returned"),
    "shipped": ("shipping", "in_transit"),
    "sold": ("retail_selling", "retail_sold"),
    "quarantined": ("holding", "non_sellable_other"),
    "blocked": ("holding", "non_sellable_other"),
    "released": ("inspecting", "sellable_accessible"),
    "recalled": ("holding", "recalled"),
    "expired": ("holding", "expired"),
    "written_off": ("destroying", "destroyed"),
    "counted": ("cycle_counting", None),
}

# The CBV spells standard terms as bare words; these prefixes are accepted on input too.
_BIZSTEP_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
_DISPOSITION_PREFIXES = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")

# UN/CEFACT Recommendation 20 codes of Odoo's standard units (by XML id). Units counted in
# pieces ("Units", "Dozens"…) have no uom: an EPCIS quantity without uom counts trade items.
UOM_CODES = {
    "uom.product_uom_kgm": "KGM",
    "uom.product_uom_gram": "GRM",
    "uom.product_uom_ton": "TNE",
    "uom.product_uom_lb": "LBR",
    "uom.product_uom_oz": "ONZ",
    "uom.product_uom_litre": "LTR",
    "uom.product_uom_cubic_meter": "MTQ",
    "uom.product_uom_gal": "GLL",
    "uom.product_uom_floz": "OZA",
    "uom.product_uom_qt": "QTL",
    "uom.product_uom_cubic_inch": "INQ",
    "uom.product_uom_cubic_foot": "FTQ",
    "uom.product_uom_meter": "MTR",
    "uom.product_uom_cm": "CMT",
    "uom.product_uom_millimeter": "MMT",
    "uom.product_uom_km": "KMT",
    "uom.product_uom_inch": "INH",
    "uom.product_uom_foot": "FOT",
    "uom.product_uom_yard": "YRD",
    "uom.product_uom_mile": "SMI",
    "uom.uom_square_meter": "MTK",
    "uom.uom_square_foot": "FTK",
    "uom.product_uom_hour": "HUR",
    "uom.product_uom_day": "DAY",
}

# CBV master data attributes of a lot (EPC class), as CURIEs of the EPCIS 2.0 context
MDA_LOT_NUMBER = "cbvmda:lotNumber"
MDA_EXPIRATION = "cbvmda:itemExpirationDate"
MDA_BEST_BEFORE = "cbvmda:bestBeforeDate"
MDA_SELL_BY = "cbvmda:sellByDate"
# CBV has no production date attribute: the GS1 Web Vocabulary term (AI 11)
MDA_PRODUCTION = "gs1:productionDate"
MDA_ORIGIN = "cbvmda:countryOfOrigin"
VTYPE_EPC_CLASS = "urn:epcglobal:epcis:vtype:EPCClass"


class TokenError(ValueError):
    """A page token that this server did not issue for this query."""


def normalize_bizstep(value):
    return _strip_prefixes(value, _BIZSTEP_PREFIXES)


def normalize_disposition(value):
    return _strip_prefixes(value, _DISPOSITION_PREFIXES)


def _strip_prefixes(value, prefixes):
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def event_types_for(bizsteps=None, dispositions=None):
    """The event types whose CBV terms match every given filter (a set of bare words each)."""
    return {
        event_type
        for event_type, (bizstep, disposition) in CBV_MAPPING.items()
        if (bizsteps is None or bizstep in bizsteps)
        and (dispositions is None or disposition in dispositions)
    }


def format_time(value):
    """A naive UTC datetime as an RFC 3339 timestamp with milliseconds (``…Z``)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_offset(utc_offset):
    """A ``timedelta`` as an EPCIS ``eventTimeZoneOffset`` (``+01:00``)."""
    minutes = int(utc_offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def parse_time(value):
    """An RFC 3339 / ISO 8601 date-time with a time zone as a naive UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"{value} has no time zone")
    return parsed.astimezone(datetime.UTC).replace(tzinfo=None)


def encode_token(key, query=None):
    """An opaque page token: the position ``key`` (a list of ints) bound to ``query``."""
    payload = {"k": list(key)}
    if query is not None:
        payload["q"] = query_fingerprint(query)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token, size, query=None):
    """The position of ``token``; TokenError if it is not one of ours for ``query``."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        key = payload["k"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        raise TokenError("not a token of this server") from error
    if (
        not isinstance(key, list)
        or len(key) != size
        or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in key)
    ):
        raise TokenError("not a token of this server")
    if query is not None and payload.get("q") != query_fingerprint(query):
        raise TokenError("the token belongs to another query")
    return key


def query_fingerprint(query):
    text = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
