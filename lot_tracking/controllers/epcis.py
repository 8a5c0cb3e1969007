"""EPCIS 2.0 REST binding (GS1's openapi.json): ``GET /epcis/events`` answers an
``EPCISQueryDocument``; errors are ``application/problem+json`` with ``epcisException:…``."""

import re
from urllib.parse import urlencode

from odoo import http
from odoo.http import request

from ..tools import digital_link, epcis, epcis_capture, gs1
from .common import (
    MAX_CAPTURE_BODY,
    check_string,
    epcis_error,
    epcis_route,
    json_response,
    parse_int,
    read_json_body,
)

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
QUERY_PARAMETERS = {
    "eventType",
    "GE_eventTime",
    "LT_eventTime",
    "EQ_bizStep",
    "EQ_disposition",
    "MATCH_anyEPCClass",
    "EQ_bizLocation",
    "perPage",
    "nextPageToken",
}
_LOT_URL = re.compile(r"/lot_tracking/api/v1/lots/(\d{1,10})$")
_ACCEPTED = ("application/json", "application/ld+json")
# Errors listed in a refused capture's problem (the first ones: a document can have many)
MAX_LISTED_ERRORS = 100


def _query_error(detail):
    return epcis_error(400, detail, "QueryParameterException", "Invalid query parameter")


def _parameter_error(status, detail):
    """``make_error`` of the parameter checks: a QueryParameterException."""
    return _query_error(detail) if status == 400 else epcis_error(status, detail)


def _values(args, name):
    """A pipe-delimited parameter (``a|b``), repeated or not, as a list of values."""
    values = []
    for raw in args.getlist(name):
        check_string(raw, name, _parameter_error)
        values += [value for value in raw.split("|") if value]
    if not values:
        raise _query_error(f"{name} needs at least one value.")
    return values


def _time(args, name):
    if len(args.getlist(name)) > 1:
        raise _query_error(f"{name} is given more than once.")
    try:
        return epcis.parse_time(check_string(args[name], name, _parameter_error))
    except ValueError as error:
        raise _query_error(f"{name} must be a date-time with a time zone (RFC 3339).") from error


def _parse_query(args):
    """The EPCIS query parameters as the ``lot.tracking.epcis`` query they describe."""
    if unknown := set(args) - QUERY_PARAMETERS:
        names = ", ".join(sorted(name[:40] for name in unknown))
        raise _query_error(f"Query parameter(s) not supported here: {names}.")
    query = {}
    if "eventType" in args:
        query["event_types"] = sorted(set(_values(args, "eventType")))
    for name, key in (("GE_eventTime", "ge_time"), ("LT_eventTime", "lt_time")):
        if name in args:
            query[key] = _time(args, name)
    if "EQ_bizStep" in args:
        query["bizsteps"] = sorted(
            {epcis.normalize_bizstep(v) for v in _values(args, "EQ_bizStep")}
        )
    if "EQ_disposition" in args:
        query["dispositions"] = sorted(
            {epcis.normalize_disposition(v) for v in _values(args, "EQ_disposition")}
        )
    if "MATCH_anyEPCClass" in args:
        classes, lot_ids = set(), set()
        for value in _values(args, "MATCH_anyEPCClass"):
            if match := _LOT_URL.search(value):
                lot_ids.add(int(match[1]))
                continue
            try:
                classes.add(digital_link.parse_epc_class(value))
            except gs1.GS1Error as error:
                raise _query_error(f"MATCH_anyEPCClass: {error}.") from error
        query["classes"] = sorted(classes, key=lambda item: (item[0], item[1] or ""))
        query["lot_ids"] = sorted(lot_ids)
    if "EQ_bizLocation" in args:
        try:
            query["locations"] = sorted(
                {digital_link.parse_location(v) for v in _values(args, "EQ_bizLocation")}
            )
        except gs1.GS1Error as error:
            raise _query_error(f"EQ_bizLocation: {error}.") from error
    return query


def _check_accept():
    accept = request.httprequest.accept_mimetypes
    if accept and not any(accept[mimetype] for mimetype in _ACCEPTED):
        raise epcis_error(406, "This server answers EPCIS documents in JSON (application/json).")


class LotTrackingEpcisController(http.Controller):
    @epcis_route("/epcis/events")
    def events(self, **_kw):
        """A page of lot events as an EPCISQueryDocument; the next page in the Link header."""
        _check_accept()
        args = request.httprequest.args
        query = _parse_query(args)
        per_page = DEFAULT_PER_PAGE
        if "perPage" in args:
            per_page = min(
                parse_int(args["perPage"], "perPage", _parameter_error, 1, 10**9), MAX_PER_PAGE
            )
        after = (0, 0)
        if "nextPageToken" in args:
            token = check_string(args["nextPageToken"], "nextPageToken", _parameter_error)
            try:
                after = epcis.decode_token(token, 2, query)
            except epcis.TokenError as error:
                raise _query_error(f"nextPageToken: {error}.") from error
        Epcis = request.env["lot.tracking.epcis"]
        events, positions, more = Epcis._query_events(query, after, per_page)
        headers = [
            ("GS1-EPCIS-Version", epcis.EPCIS_VERSION),
            ("GS1-CBV-Version", epcis.CBV_VERSION),
        ]
        if more:
            params = [(k, v) for k, v in args.items(multi=True) if k != "nextPageToken"]
            params.append(("nextPageToken", epcis.encode_token(positions[-1], query)))
            url = f"{request.httprequest.host_url.rstrip('/')}/epcis/events?{urlencode(params)}"
            headers.append(("Link", f'<{url}>; rel="next"'))
        return json_response(Epcis._query_document(events), headers=headers)

    def _capture_headers(self):
        return [
            ("GS1-EPCIS-Version", epcis.EPCIS_VERSION),
            ("GS1-CBV-Version", epcis.CBV_VERSION),
            ("GS1-EPCIS-Capture-Limit", str(epcis_capture.MAX_EVENTS)),
            ("GS1-EPCIS-Capture-File-Size-Limit", str(MAX_CAPTURE_BODY)),
        ]

    @epcis_route("/epcis/capture", "POST")
    def capture(self, **_kw):
        """Capture an EPCISDocument of shipping events as advance shipping notices on our
        purchase orders' receipts: 202 and the capture job's address, or the document's
        errors (nothing is stored)."""
        httprequest = request.httprequest
        if httprequest.args:
            raise epcis_error(400, "POST /epcis/capture takes no query parameters.")
        if httprequest.mimetype not in _ACCEPTED:
            raise epcis_error(
                415, "Send the EPCIS document as application/json or application/ld+json."
            )
        behaviour = httprequest.headers.get("GS1-Capture-Error-Behaviour", "rollback")
        if behaviour != "rollback":
            raise epcis_error(
                400, "Only GS1-Capture-Error-Behaviour: rollback (all or nothing) is supported."
            )
        document = read_json_body(epcis_error, MAX_CAPTURE_BODY)
        try:
            capture = request.env["lot.tracking.capture"]._lot_tracking_capture(document)
        except epcis_capture.CaptureError as error:
            errors = error.errors
            raise epcis_error(
                400,
                f"The document is refused, nothing was captured ({len(errors)} error(s)): "
                f"{errors[0]['pointer']}: {errors[0]['message']}",
                extra={"errors": errors[:MAX_LISTED_ERRORS]},
            ) from error
        headers = self._capture_headers()
        headers.append(("Location", f"/epcis/capture/{capture.id}"))
        return json_response(capture._lot_tracking_job(), status=202, headers=headers)

    @epcis_route("/epcis/capture/<int:capture_id>")
    def capture_job(self, capture_id, **_kw):
        """The outcome of a capture (GS1 REST binding's capture job)."""
        _check_accept()
        if capture_id > 2**31 - 1:
            raise epcis_error(404, f"No capture {capture_id}.")
        capture = request.env["lot.tracking.capture"].search([("id", "=", capture_id)])
        if not capture:
            raise epcis_error(404, f"No capture {capture_id}.")
        return json_response(capture._lot_tracking_job(), headers=self._capture_headers())
