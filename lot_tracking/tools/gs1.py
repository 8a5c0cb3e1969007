"""Parse and build GS1 element strings (GS1-128, GS1 DataMatrix, GS1 QR, GS1 DataBar).

Pure Python, no Odoo import. Only the application identifiers (AIs) listed in
``AIS`` are supported; anything else raises :class:`GS1Error`, the parser never guesses.
"""

import calendar
import datetime
import string
from decimal import Decimal

GS = "\x1d"  # FNC1 separator as sent by scanners (ASCII 29)

SYMBOLOGY_IDENTIFIERS = ("]C1", "]d2", "]Q3", "]e0")

# GS1 AI encodable character set 82
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

# {ai: (name, fixed_length_or_None, max_length, kind)}
AIS = {
    "00": ("SSCC", 18, 18, "sscc"),
    "01": ("GTIN", 14, 14, "gtin"),
    "02": ("CONTENT", 14, 14, "gtin"),
    "10": ("BATCH/LOT", None, 20, "text"),
    "11": ("PROD DATE", 6, 6, "date"),
    "13": ("PACK DATE", 6, 6, "date"),
    "15": ("BEST BEFORE", 6, 6, "date"),
    "17": ("USE BY OR EXPIRY", 6, 6, "date"),
    "21": ("SERIAL", None, 20, "text"),
    "30": ("VAR. COUNT", None, 8, "count"),
    "37": ("COUNT", None, 8, "count"),
    # Net weight in kg, the 4th digit is the number of decimals; parse() returns it as "310".
    "3100": ("NET WEIGHT (kg)", 6, 6, "weight"),
    "3101": ("NET WEIGHT (kg)", 6, 6, "weight"),
    "3102": ("NET WEIGHT (kg)", 6, 6, "weight"),
    "3103": ("NET WEIGHT (kg)", 6, 6, "weight"),
    "3104": ("NET WEIGHT (kg)", 6, 6, "weight"),
    "3105": ("NET WEIGHT (kg)", 6, 6, "weight"),
}

WEIGHT_KEY = "310"

# Error messages quote at most this many characters of what was scanned.
QUOTE_LIMIT = 100


class GS1Error(ValueError):
    """Malformed or unsupported GS1 data."""


def _quote(value):
    """``repr`` of ``value``, quoting at most ``QUOTE_LIMIT`` characters: a label may be huge."""
    if isinstance(value, str) and len(value) > QUOTE_LIMIT:
        return f"{value[:QUOTE_LIMIT]!r}..."
    return repr(value)


def gtin_check_digit(digits_without_check):
    """Return the GS1 mod-10 check digit of ``digits_without_check`` (GTIN, SSCC...)."""
    if not _is_digits(digits_without_check):
        raise GS1Error(f"A check digit needs digits, got {_quote(digits_without_check)}")
    total = 0
    for index, digit in enumerate(reversed(digits_without_check)):
        total += int(digit) * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10


def normalize_gtin(code):
    """Return GTIN-8/12/13/14 ``code`` as 14 digits, raise GS1Error if it is not valid."""
    if not isinstance(code, str) or len(code) not in (8, 12, 13, 14) or not _is_digits(code):
        raise GS1Error(f"A GTIN has 8, 12, 13 or 14 digits, got {_quote(code)}")
    _check_check_digit("GTIN", code)
    return code.zfill(14)


def is_valid_gtin(code):
    """Return whether ``code`` is a valid GTIN-8/12/13/14."""
    try:
        normalize_gtin(code)
    except GS1Error:
        return False
    return True


def parse(barcode, today=None):
    """Parse a GS1 barcode and return ``{ai: value}``.

    Accepts raw element strings (GS separated, optional symbology identifier
    and leading GS) and the human-readable form ``(01)...(10)...``.
    ``today`` (default: today's date) decides the century of YYMMDD dates.
    """
    if barcode is None or barcode == "":
        raise GS1Error("Empty barcode")
    if not isinstance(barcode, str):
        raise GS1Error(f"A barcode must be a string, got {type(barcode).__name__}")
    text = barcode.strip(string.whitespace)
    offset = len(barcode) - len(barcode.lstrip(string.whitespace))
    if not text:
        raise GS1Error("Empty barcode")
    if "<GS>" in text or "~" in text:
        raise GS1Error("The GS separator must be sent as ASCII 29, not as '<GS>' or '~'")
    if text.startswith("]"):
        if text[:3] not in SYMBOLOGY_IDENTIFIERS:
            raise GS1Error(f"Unsupported symbology identifier {text[:3]!r}")
        text, offset = text[3:], offset + 3
    if text.startswith("("):
        fields = _split_human_readable(text, offset)
    else:
        if text.startswith(GS):
            text, offset = text[1:], offset + 1
        fields = _split_element_string(text, offset)
    if today is None:
        today = datetime.date.today()
    result = {}
    for ai, value in fields:
        key = WEIGHT_KEY if AIS[ai][3] == "weight" else ai
        if key in result:
            raise GS1Error(f"AI {key} appears more than once")
        result[key] = _convert(ai, value, today)
    if not result:
        raise GS1Error("Barcode contains no data")
    return result


def build(data):
    """Return the raw element string (GS separated) of ``data`` as returned by ``parse``.

    Fixed-length AIs come first, variable-length ones last with a GS between them.
    """
    fixed_parts, variable_parts = [], []
    for key in sorted(data):
        ai, text = _encode(key, data[key])
        _convert(ai, text, datetime.date.today())  # validate
        if AIS[ai][1]:
            fixed_parts.append(ai + text)
        else:
            variable_parts.append(ai + text)
    if not fixed_parts and not variable_parts:
        raise GS1Error("Nothing to build")
    return "".join(fixed_parts) + GS.join(variable_parts)


def _is_digits(value):
    """Return whether ``value`` is a non-empty string of ASCII digits."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _check_check_digit(label, code):
    """Raise GS1Error if the last digit of ``code`` is not its check digit."""
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise GS1Error(f"{label} {code} has an invalid check digit (expected {expected})")


def _match_ai(text, pos, offset):
    """Return the AI starting at ``text[pos]``."""
    for size in (2, 4):
        if text[pos : pos + size] in AIS:
            return text[pos : pos + size]
    if text[pos] == GS:
        raise GS1Error(f"Unexpected GS separator at position {offset + pos}")
    rest = text[pos:]
    snippet = rest[:4] + ("..." if len(rest) > 4 else "")
    raise GS1Error(f"Unknown application identifier at position {offset + pos}: {snippet!r}")


def _split_element_string(text, offset):
    """Yield ``(ai, raw_value)`` of a raw element string with GS separators."""
    pos = 0
    while pos < len(text):
        ai = _match_ai(text, pos, offset)
        start = pos + len(ai)
        fixed_length = AIS[ai][1]
        if fixed_length:
            end = start + fixed_length
            pos = end + 1 if text[end : end + 1] == GS else end
        else:
            end = text.find(GS, start)
            if end == -1:
                end = len(text)
            pos = end + 1
        yield ai, text[start:end]


def _split_human_readable(text, offset):
    """Yield ``(ai, raw_value)`` of a human-readable string like ``(01)...(10)...``."""
    pos = 0
    while pos < len(text):
        close = text.find(")", pos)
        if close == -1 or "(" in text[pos + 1 : close]:
            raise GS1Error(f"Unclosed parenthesis at position {offset + pos}")
        ai = text[pos + 1 : close]
        if ai not in AIS:
            raise GS1Error(f"Unknown application identifier at position {offset + pos}: {ai!r}")
        end = text.find("(", close)
        if end == -1:
            end = len(text)
        yield ai, text[close + 1 : end]
        pos = end


def _convert(ai, value, today):
    """Check the raw ``value`` of ``ai`` and return it converted."""
    fixed_length, max_length, kind = AIS[ai][1:]
    if fixed_length and not (len(value) == fixed_length and _is_digits(value)):
        raise GS1Error(f"AI {ai} needs {fixed_length} digits, got {_quote(value)}")
    if not value:
        raise GS1Error(f"AI {ai} is empty")
    if len(value) > max_length:
        raise GS1Error(f"AI {ai} is longer than {max_length} characters: {_quote(value)}")
    if kind in ("gtin", "sscc"):
        _check_check_digit(kind.upper(), value)
        return value
    if kind == "date":
        return _convert_date(ai, value, today)
    if kind == "weight":
        return Decimal(value).scaleb(-int(ai[3]))
    if kind == "count":
        if not _is_digits(value):
            raise GS1Error(f"AI {ai} needs up to {max_length} digits, got {_quote(value)}")
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
    if key not in AIS or AIS[key][3] == "weight":
        raise GS1Error(f"Unknown application identifier {key!r}")
    kind = AIS[key][3]
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
