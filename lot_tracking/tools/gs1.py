"""Parse and build GS1 data: element strings (GS1-128, GS1 DataMatrix, GS1 QR, GS1 DataBar),
their human-readable form ``(01)…(10)…`` and GS1 Digital Link URIs.

Pure Python, no Odoo import. `biip <https://pypi.org/project/biip/>`_ splits the data into
application identifiers (it knows every AI of the GS1 General Specifications); this module adds
the checks and conversions the module relies on (check digits, dates and their century, counts,
net weight) and clear messages. AIs it has no use for are returned as text, never refused.
"""

import calendar
import datetime
import re
import string
from decimal import Decimal

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message

GS = "\x1d"  # FNC1 separator as sent by scanners (ASCII 29)

SYMBOLOGY_IDENTIFIERS = ("]C1", "]d2", "]Q3", "]e0")

# GS1 AI encodable character set 82
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

# How the module reads (and builds) the AIs it uses; every other AI is returned as text.
KINDS = {
    "00": "sscc",
    "01": "gtin",
    "02": "gtin",
    "10": "text",
    "11": "date",  # production date
    "13": "date",  # packaging date
    "15": "date",  # best before
    "16": "date",  # sell by
    "17": "date",  # expiry
    "21": "text",
    "30": "count",
    "37": "count",
    "7003": "datetime",  # expiry date and time
}
# Net weight in kg (AIs 3100-3105, the last digit is the number of decimals): returned as "310".
WEIGHT_KEY = "310"
MAX_LENGTHS = {"10": 20, "21": 20, "30": 8, "37": 8}

_EMPTY_HRI_FIELD = re.compile(r"\((\d{2,4})\)(?=\(|$)")
# Dates are checked here, with the century rule and messages of the module.
_CONFIG = ParseConfig(gs1_element_strings_verify_date=False)


class GS1Error(ValueError):
    """Malformed GS1 data."""


def gtin_check_digit(digits_without_check):
    """Return the GS1 mod-10 check digit of ``digits_without_check`` (GTIN, SSCC...)."""
    if not _is_digits(digits_without_check):
        raise GS1Error(f"A check digit needs digits, got {digits_without_check!r}")
    total = 0
    for index, digit in enumerate(reversed(digits_without_check)):
        total += int(digit) * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10


def normalize_gtin(code):
    """Return GTIN-8/12/13/14 ``code`` as 14 digits, raise GS1Error if it is not valid."""
    if not isinstance(code, str) or len(code) not in (8, 12, 13, 14) or not _is_digits(code):
        raise GS1Error(f"A GTIN has 8, 12, 13 or 14 digits, got {code!r}")
    _check_check_digit("GTIN", code)
    return code.zfill(14)


def is_valid_gtin(code):
    """Return whether ``code`` is a valid GTIN-8/12/13/14."""
    try:
        normalize_gtin(code)
    except GS1Error:
        return False
    return True


def gtin_forms(code):
    """The barcodes a product carrying GTIN ``code`` may have: the same number written with
    8, 12, 13 or 14 digits (leading zeros), ``code`` first; empty if it is not a valid GTIN.
    A label's GTIN-14 ``09506000134352`` is the EAN-13 ``9506000134352`` on the product."""
    if not is_valid_gtin(code):
        return []
    gtin = code.zfill(14)
    forms = [gtin[14 - size :] for size in (14, 13, 12, 8) if not gtin[: 14 - size].strip("0")]
    return [code, *(form for form in forms if form != code)]


def parse(barcode, today=None):
    """Parse a GS1 barcode and return ``{ai: value}``.

    Accepts raw element strings (GS separated, optional symbology identifier and leading GS),
    the human-readable form ``(01)...(10)...`` and GS1 Digital Link URIs. Dates are
    ``datetime.date`` (AI 7003 a ``datetime.datetime``), counts ``int``, the net weight in kg
    a ``Decimal`` under ``"310"``, everything else the text of the label. ``today`` (default:
    today's date) decides the century of YYMMDD dates.
    """
    if barcode is None or barcode == "":
        raise GS1Error("Empty barcode")
    if not isinstance(barcode, str):
        raise GS1Error(f"A barcode must be a string, got {type(barcode).__name__}")
    text = barcode.strip(string.whitespace)
    if not text:
        raise GS1Error("Empty barcode")
    if "<GS>" in text or "~" in text:
        raise GS1Error("The GS separator must be sent as ASCII 29, not as '<GS>' or '~'")
    element_strings = _split(text)
    if today is None:
        today = datetime.date.today()
    result = {}
    for element in element_strings:
        ai, value = element.ai.ai, element.value
        key = WEIGHT_KEY if ai[:3] == WEIGHT_KEY else ai
        if key in result:
            raise GS1Error(f"AI {key} appears more than once")
        result[key] = _convert(ai, value, today)
    if not result:
        raise GS1Error("Barcode contains no data")
    return result


def hri(barcode):
    """The human-readable form ``(01)…(10)…`` of a label (the label itself, separators shown as
    spaces, when it is not GS1): what a person reads in an audit trail."""
    try:
        return "".join(f"({element.ai.ai}){element.value}" for element in _split(barcode.strip()))
    except GS1Error:
        return barcode.replace(GS, " ")


def build(data):
    """Return the raw element string (GS separated) of ``data`` as returned by ``parse``.

    Fixed-length AIs come first, variable-length ones last with a GS between them.
    """
    fixed_parts, variable_parts = [], []
    for key in sorted(data):
        ai, text = _encode(key, data[key])
        _convert(ai, text, datetime.date.today())  # validate
        if key in MAX_LENGTHS:
            variable_parts.append(ai + text)
        else:
            fixed_parts.append(ai + text)
    if not fixed_parts and not variable_parts:
        raise GS1Error("Nothing to build")
    return "".join(fixed_parts) + GS.join(variable_parts)


def _split(text):
    """The element strings of ``text`` (a label, its human-readable form or a Digital Link)."""
    try:
        if text.startswith(("https://", "http://")):
            return GS1DigitalLinkURI.parse(text, config=_CONFIG).as_gs1_message().element_strings
        if text.startswith("]"):
            if text[:3] not in SYMBOLOGY_IDENTIFIERS:
                raise GS1Error(f"Unsupported symbology identifier {text[:3]!r}")
            text = text[3:]
        if text.startswith("("):
            if empty := _EMPTY_HRI_FIELD.search(text):
                raise GS1Error(f"AI {empty.group(1)} is empty")
            return GS1Message.parse_hri(text, config=_CONFIG).element_strings
        text = text.lstrip(GS)
        return GS1Message.parse(text, config=_CONFIG).element_strings if text else []
    except ParseError as error:
        raise GS1Error(_reword(str(error))) from error


def _reword(message):
    """biip's message, shortened to what a person scanning a label can act on."""
    if match := re.match(r"Failed to match '(.*)' with GS1 AI \((\d+)\)", message, re.S):
        ai = match[2]
        value = match[1][len(ai) :]
        if KINDS.get(ai) in ("date", "datetime"):
            size = 6 if KINDS[ai] == "date" else 10
            return f"AI {ai}: {value[:size]} is not a valid date"
        return f"AI {ai} has an invalid value: {_quote(value)}"
    if match := re.match(r"Failed to get GS1 Application Identifier from '(.*)'", message, re.S):
        return f"Unknown application identifier or invalid data at {_quote(match[1])}"
    return f"Not a valid GS1 label: {message}"


def _quote(value, size=20):
    """``value`` (as biip quotes it) cut to ``size`` characters: a message never repeats a whole
    label."""
    return f"'{value[:size]}'" + ("..." if len(value) > size else "")


def _is_digits(value):
    """Return whether ``value`` is a non-empty string of ASCII digits."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _check_check_digit(label, code):
    """Raise GS1Error if the last digit of ``code`` is not its check digit."""
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise GS1Error(f"{label} {code} has an invalid check digit (expected {expected})")


def _convert(ai, value, today):
    """Check the raw ``value`` of ``ai`` and return it converted."""
    kind = "weight" if ai[:3] == WEIGHT_KEY else KINDS.get(ai, "text")
    if not value:
        raise GS1Error(f"AI {ai} is empty")
    if len(value) > MAX_LENGTHS.get(ai, 90):
        raise GS1Error(f"AI {ai} is longer than {MAX_LENGTHS[ai]} characters: {value!r}")
    if kind in ("gtin", "sscc"):
        size = 18 if kind == "sscc" else 14
        if not (len(value) == size and _is_digits(value)):
            raise GS1Error(f"AI {ai} needs {size} digits, got {value!r}")
        _check_check_digit(kind.upper(), value)
        return value
    if kind in ("date", "datetime"):
        size = 6 if kind == "date" else 10
        if not (len(value) == size and _is_digits(value)):
            raise GS1Error(f"AI {ai} needs {size} digits, got {value!r}")
        date = _convert_date(ai, value[:6], today)
        if kind == "date":
            return date
        hour, minute = int(value[6:8]), int(value[8:])
        if hour > 23 or minute > 59:
            raise GS1Error(f"AI {ai}: {value} is not a valid time ({value[6:8]}:{value[8:]})")
        return datetime.datetime.combine(date, datetime.time(hour, minute))
    if kind == "weight":
        if not (len(value) == 6 and _is_digits(value)) or ai[3] not in "012345":
            raise GS1Error(f"AI {ai} needs 6 digits and at most 5 decimals, got {value!r}")
        return Decimal(value).scaleb(-int(ai[3]))
    if kind == "count":
        if not _is_digits(value):
            raise GS1Error(f"AI {ai} needs up to {MAX_LENGTHS[ai]} digits, got {value!r}")
        return int(value)
    for char in value:
        if char not in CSET82:
            raise GS1Error(f"AI {ai} contains a character not allowed by GS1: {char!r}")
    return value


def _convert_date(ai, value, today):
    """Return the date of a YYMMDD ``value``; day 00 means the last day of the month."""
    year = _full_year(int(value[:2]), today.year)
    month, day = int(value[2:4]), int(value[4:])
    if not 1 <= month <= 12:
        raise GS1Error(f"AI {ai}: {value} is not a valid date (month {month})")
    last_day = calendar.monthrange(year, month)[1]
    if day > last_day:
        reason = f"day {day}, {year}-{month:02d} has {last_day} days"
        raise GS1Error(f"AI {ai}: {value} is not a valid date ({reason})")
    return datetime.date(year, month, day or last_day)


def _full_year(yy, current_year):
    """Return the year of two-digit ``yy`` (GS1 General Specifications, section 7.12)."""
    century = current_year - current_year % 100
    difference = yy - current_year % 100
    if difference >= 51:
        century -= 100
    elif difference <= -50:
        century += 100
    return century + yy


def _encode(key, value):
    """Return ``(ai, raw_value)`` for one item of a ``parse`` result."""
    if key == WEIGHT_KEY:
        return _encode_weight(value)
    kind = KINDS.get(key)
    if kind is None or kind == "datetime":
        raise GS1Error(f"Cannot build application identifier {key!r}")
    if kind == "date":
        if not isinstance(value, datetime.date):
            raise GS1Error(f"AI {key} needs a date, got {value!r}")
        return key, f"{value.year % 100:02d}{value.month:02d}{value.day:02d}"
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise GS1Error(f"AI {key} needs a non-negative integer, got {value!r}")
        return key, str(value)
    if not isinstance(value, str):
        raise GS1Error(f"AI {key} needs a string, got {value!r}")
    return key, value


def _encode_weight(value):
    """Return ``(ai, raw_value)`` of a net weight in kg (AI 310n)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise GS1Error(f"AI 310 needs a non-negative Decimal, got {value!r}")
    decimals = max(0, -value.as_tuple().exponent)
    if decimals > 5:
        raise GS1Error(f"AI 310 allows at most 5 decimals, got {value}")
    digits = int(value.scaleb(decimals))
    if digits > 999999:
        raise GS1Error(f"AI 310 value {value} does not fit in 6 digits")
    return f"310{decimals}", f"{digits:06d}"
