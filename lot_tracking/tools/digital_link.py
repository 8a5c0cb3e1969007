"""GS1 identifiers as URIs: Digital Link (``https://id.gs1.org/01/…/10/…``), EPC class URNs
(LGTIN), location URNs (SGLN) and GLNs.

Pure Python, no Odoo import. Reading a Digital Link URI is delegated to `biip` through
:func:`parse_digital_link` only, so the module's GS1 parser can take it over in one place.
"""

import re
from urllib.parse import quote, unquote

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI

from . import gs1

RESOLVER = "https://id.gs1.org"
_LGTIN = re.compile(r"^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)$", re.IGNORECASE)
_SGLN = re.compile(r"^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.(.*)$", re.IGNORECASE)
# EPC URNs escape these characters of a lot or an extension as %HH (TDS 2.x, section 6.3)
_EPC_ESCAPED = '"%&/<>?'


def is_valid_gln(gln):
    """A GLN is 13 digits with a valid GS1 check digit."""
    return (
        isinstance(gln, str)
        and len(gln) == 13
        and gln.isascii()
        and gln.isdigit()
        and gs1.gtin_check_digit(gln[:-1]) == int(gln[-1])
    )


def lot_uri(gtin, lot):
    """The Digital Link URI of lot ``lot`` of GTIN ``gtin`` (any GTIN length)."""
    return f"{RESOLVER}/01/{gs1.normalize_gtin(gtin)}/10/{quote(lot, safe='')}"


def gtin_uri(gtin):
    return f"{RESOLVER}/01/{gs1.normalize_gtin(gtin)}"


def location_uri(gln):
    return f"{RESOLVER}/414/{gln}"


def party_uri(gln):
    return f"{RESOLVER}/417/{gln}"


def parse_digital_link(uri):
    """Return ``{ai: value}`` of a GS1 Digital Link URI (any domain); raise GS1Error.

    The values are the raw texts of the URI's path and query, percent-decoded. GTINs come
    back as 14 digits with their check digit verified.
    """
    try:
        parsed = GS1DigitalLinkURI.parse(uri)
    except ParseError as error:
        raise gs1.GS1Error(f"Not a GS1 Digital Link URI: {error}") from error
    result = {element.ai.ai: element.value for element in parsed.element_strings}
    for ai in ("01", "02"):
        if ai in result:
            result[ai] = gs1.normalize_gtin(result[ai])
    return result


def parse_epc_class(value):
    """Read an EPC class as ``(gtin14, lot or None)``: a Digital Link URI (lot optional) or an
    LGTIN URN. Raise GS1Error for anything else."""
    if not isinstance(value, str) or not value:
        raise gs1.GS1Error("An EPC class must be a non-empty string")
    if match := _LGTIN.match(value):
        prefix, item, lot = match.groups()
        if len(prefix) + len(item) != 13:
            raise gs1.GS1Error(f"{value}: company prefix and item reference need 13 digits")
        digits = item[0] + prefix + item[1:]
        gtin = digits + str(gs1.gtin_check_digit(digits))
        return gtin, unquote(lot)
    if value.lower().startswith(("http://", "https://")):
        data = parse_digital_link(value)
        if "01" not in data:
            raise gs1.GS1Error(f"{value} names no GTIN (AI 01)")
        return data["01"], data.get("10")
    raise gs1.GS1Error(f"{value} is neither a GS1 Digital Link URI nor an LGTIN URN")


def parse_location(value):
    """Read a location as a GLN: ``https://…/414/<GLN>`` or an SGLN URN without extension."""
    if not isinstance(value, str) or not value:
        raise gs1.GS1Error("A location must be a non-empty string")
    if match := _SGLN.match(value):
        prefix, reference, extension = match.groups()
        if len(prefix) + len(reference) != 12:
            raise gs1.GS1Error(f"{value}: company prefix and location reference need 12 digits")
        gln = prefix + reference + str(gs1.gtin_check_digit(prefix + reference))
        if extension not in ("", "0"):
            raise gs1.GS1Error(f"{value}: locations with an extension are not known here")
        return gln
    if value.lower().startswith(("http://", "https://")):
        data = parse_digital_link(value)
        gln = data.get("414")
        if not gln or set(data) - {"414", "254"} or data.get("254"):
            raise gs1.GS1Error(f"{value} is not the Digital Link URI of a location (AI 414)")
        if not is_valid_gln(gln):
            raise gs1.GS1Error(f"{value}: {gln} is not a valid GLN")
        return gln
    raise gs1.GS1Error(f"{value} is neither a GS1 Digital Link URI nor an SGLN URN")


def parse_gs1_code(code, today=None):
    """Read what a label carries, as ``{ai: value}`` converted like ``gs1.parse`` does: a GS1
    element string (any form the module's parser reads) or a GS1 Digital Link URI."""
    if isinstance(code, str) and code.strip().lower().startswith(("http://", "https://")):
        data = parse_digital_link(code.strip())
        # the same checks and conversions as a scanned label: back to an element string
        code = gs1.GS.join(ai + value for ai, value in data.items())
    return gs1.parse(code, today=today)
