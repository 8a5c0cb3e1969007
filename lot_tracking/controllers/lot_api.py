"""The lot API, ``/lot_tracking/api/v1``: parse the request, call ``lot.tracking.api``, answer
JSON. Paths, parameters and answers are described in ``openapi.json`` (tools/openapi.py)."""

import datetime

from odoo import fields, http
from odoo.http import request

from ..tools import epcis, gs1, openapi
from .common import (
    API_PREFIX,
    MAX_BODY,
    check_body_size,
    check_string,
    json_response,
    lot_api_error,
    lot_api_route,
    parse_int,
    read_json_body,
)

MAX_ID = 2**31 - 1
RECALL_KEYS = {
    "reason",
    "lot_ids",
    "lots",
    "product_id",
    "supplier_id",
    "received_from",
    "received_to",
}


def _args(allowed):
    """The query string as a dict, refusing unknown or repeated parameters."""
    args = request.httprequest.args
    for name in args:
        if name not in allowed:
            raise lot_api_error(400, f"Unknown parameter {name[:40]!r}.")
        if len(args.getlist(name)) > 1:
            raise lot_api_error(400, f"Parameter {name!r} is given more than once.")
        check_string(args[name], name, lot_api_error)
    return {name: args[name] for name in args if args[name] != ""}


def _page(args, default=50, maximum=200):
    limit = parse_int(args.get("limit", default), "limit", lot_api_error, 1, maximum)
    after = (0,)
    if "cursor" in args:
        try:
            after = epcis.decode_token(args["cursor"], 1)
        except epcis.TokenError as error:
            raise lot_api_error(400, "cursor is not a cursor this API gave.") from error
    return after[0], limit


def _page_response(records, limit, values):
    """A page of ``values(records)``: ``records`` holds one more than ``limit`` if there is a
    next page, whose cursor is the id of this page's last record."""
    next_cursor = epcis.encode_token([records[limit - 1].id]) if len(records) > limit else None
    return json_response({"data": values(records[:limit]), "next_cursor": next_cursor})


def _gtin(value):
    try:
        return gs1.normalize_gtin(value)
    except gs1.GS1Error as error:
        raise lot_api_error(400, f"gtin: {error}.") from error


def _date(value, name):
    """A date (``YYYY-MM-DD``, midnight UTC) or a date-time with its time zone, as naive UTC."""
    try:
        if len(value) == 10:
            return datetime.datetime.combine(fields.Date.from_string(value), datetime.time())
        return epcis.parse_time(value)
    except ValueError as error:
        raise lot_api_error(
            400, f"{name} must be a date (YYYY-MM-DD) or a date-time with a time zone."
        ) from error


def _one(model, record_id, what):
    """The record if the caller may see it, else 404 (unknown and other companies' alike)."""
    if not 0 < record_id <= MAX_ID:
        raise lot_api_error(404, f"{what} {record_id} does not exist.")
    record = request.env[model].search([("id", "=", record_id)])
    if not record:
        raise lot_api_error(404, f"{what} {record_id} does not exist.")
    return record


class LotTrackingApiController(http.Controller):
    @http.route(
        f"{API_PREFIX}/openapi.json", type="http", auth="none", methods=["GET"], readonly=True
    )
    def openapi_document(self):
        return json_response(openapi.document())

    @lot_api_route(f"{API_PREFIX}/lots")
    def lots(self, **_kw):
        args = _args(
            {"gtin", "product_id", "supplier_id", "state", "expiring_before", "limit", "cursor"}
        )
        filters = {}
        if "gtin" in args:
            filters["gtin"] = _gtin(args["gtin"])
        for name in ("product_id", "supplier_id"):
            if name in args:
                filters[name] = parse_int(args[name], name, lot_api_error, 1, MAX_ID)
        if "state" in args:
            states = request.env["stock.lot"]._fields["quality_state"].get_values(request.env)
            if args["state"] not in states:
                states = ", ".join(states)
                raise lot_api_error(400, f"state must be one of {states}.")
            filters["state"] = args["state"]
        if "expiring_before" in args:
            filters["expiring_before"] = _date(args["expiring_before"], "expiring_before")
        after, limit = _page(args)
        Api = request.env["lot.tracking.api"]
        return _page_response(Api._lot_search(filters, after, limit), limit, Api._lot_values)

    @lot_api_route(f"{API_PREFIX}/lots/lookup")
    def lot_lookup(self, **_kw):
        args = _args({"code"})
        if "code" not in args:
            raise lot_api_error(400, "Give the label's GS1 data or Digital Link URI as code.")
        Api = request.env["lot.tracking.api"]
        try:
            lots = Api._find_lots_by_code(args["code"])
        except gs1.GS1Error as error:
            raise lot_api_error(400, f"code: {error}.", "invalid_gs1") from error
        if not lots:
            raise lot_api_error(404, "No lot of yours matches this code.")
        if len(lots) > 1:
            raise lot_api_error(
                409,
                f"{len(lots)} lots match this code (ids {', '.join(map(str, lots.ids))}): "
                "ask for one of them by id.",
                "ambiguous",
            )
        return json_response(Api._lot_values(lots)[0])

    @lot_api_route(f"{API_PREFIX}/lots/<int:lot_id>")
    def lot(self, lot_id, **_kw):
        _args(set())
        lot = _one("stock.lot", lot_id, "Lot")
        return json_response(request.env["lot.tracking.api"]._lot_values(lot)[0])

    @lot_api_route(f"{API_PREFIX}/lots/<int:lot_id>/stock")
    def lot_stock(self, lot_id, **_kw):
        _args(set())
        lot = _one("stock.lot", lot_id, "Lot")
        return json_response({"data": request.env["lot.tracking.api"]._lot_stock_values(lot)})

    @lot_api_route(f"{API_PREFIX}/lots/<int:lot_id>/trace")
    def lot_trace(self, lot_id, **_kw):
        _args(set())
        lot = _one("stock.lot", lot_id, "Lot")
        return json_response(request.env["lot.tracking.api"]._trace_values(lot))

    @lot_api_route(f"{API_PREFIX}/lots/<int:lot_id>/epcis")
    def lot_epcis(self, lot_id, **_kw):
        _args(set())
        lot = _one("stock.lot", lot_id, "Lot")
        events = lot.event_ids.sorted(lambda event: (event.date, event.id))
        document = request.env["lot.tracking.epcis"]._document(events)
        return json_response(document, headers=[("GS1-EPCIS-Version", epcis.EPCIS_VERSION)])

    @lot_api_route(f"{API_PREFIX}/stock")
    def stock(self, **_kw):
        args = _args({"lot_id", "location_id", "product_id", "gtin", "limit", "cursor"})
        filters = {
            name: parse_int(args[name], name, lot_api_error, 1, MAX_ID)
            for name in ("lot_id", "location_id", "product_id")
            if name in args
        }
        if "gtin" in args:
            filters["gtin"] = _gtin(args["gtin"])
        after, limit = _page(args, default=100, maximum=500)
        Api = request.env["lot.tracking.api"]
        return _page_response(Api._quant_search(filters, after, limit), limit, Api._quant_values)

    @lot_api_route(f"{API_PREFIX}/events")
    def events(self, **_kw):
        """The event feed: events in the order they became visible, after ``cursor``."""
        args = _args({"cursor", "limit", "lot_id", "type"})
        limit = parse_int(args.get("limit", 100), "limit", lot_api_error, 1, 1000)
        after = (0, 0)
        if "cursor" in args:
            try:
                after = epcis.decode_token(args["cursor"], 2)
            except epcis.TokenError as error:
                raise lot_api_error(400, "cursor is not a cursor this API gave.") from error
        domain = []
        if "lot_id" in args:
            domain.append(
                ("lot_id", "=", parse_int(args["lot_id"], "lot_id", lot_api_error, 1, MAX_ID))
            )
        if "type" in args:
            types = args["type"].split(",")
            known = request.env["lot.tracking.event"]._fields["event_type"].get_values(request.env)
            if unknown := set(types) - set(known):
                raise lot_api_error(
                    400, f"Unknown event type(s): {', '.join(sorted(unknown))[:200]}."
                )
            domain.append(("event_type", "in", types))
        Event = request.env["lot.tracking.event"]
        events, positions = Event._lot_tracking_feed(domain, after, limit + 1)
        served = positions[:limit]
        cursor = epcis.encode_token(served[-1] if served else after)
        return json_response(
            {
                "data": request.env["lot.tracking.api"]._event_values(events[:limit]),
                "next_cursor": cursor,
                "has_more": len(events) > limit,
            }
        )

    # ------------------------------------------------------------------------------------
    # Recalls
    # ------------------------------------------------------------------------------------
    @lot_api_route(f"{API_PREFIX}/recalls")
    def recalls(self, **_kw):
        args = _args({"state", "limit", "cursor"})
        after, limit = _page(args)
        domain = [("id", ">", after)]
        if "state" in args:
            if args["state"] not in ("draft", "active", "closed"):
                raise lot_api_error(400, "state must be one of draft, active, closed.")
            domain.append(("state", "=", args["state"]))
        recalls = request.env["lot.tracking.recall"].search(domain, order="id", limit=limit + 1)
        return _page_response(recalls, limit, request.env["lot.tracking.api"]._recall_values)

    @lot_api_route(f"{API_PREFIX}/recalls", "POST")
    def recall_create(self, **_kw):
        _args(set())
        body = read_json_body(lot_api_error, MAX_BODY)
        vals, lots = self._recall_vals(body)
        Api = request.env["lot.tracking.api"]
        recall = Api._recall_create(vals, lots)
        return json_response(
            Api._recall_values(recall)[0],
            status=201,
            headers=[("Location", f"{API_PREFIX}/recalls/{recall.id}")],
        )

    def _recall_vals(self, body):
        """Check a recall's JSON and return ``(values, lots)``."""
        if not isinstance(body, dict):
            raise lot_api_error(400, "The body must be a JSON object.")
        if unknown := set(body) - RECALL_KEYS:
            raise lot_api_error(400, f"Unknown field(s): {', '.join(sorted(unknown))[:200]}.")
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise lot_api_error(400, "reason is required: why are these lots recalled?")
        vals = {"reason": check_string(reason, "reason", lot_api_error).strip()}
        lots = request.env["stock.lot"]
        lot_ids = body.get("lot_ids", [])
        if not isinstance(lot_ids, list) or len(lot_ids) > 1000:
            raise lot_api_error(400, "lot_ids must be a list of at most 1000 lot ids.")
        for lot_id in lot_ids:
            lots |= _one("stock.lot", parse_int(lot_id, "lot_ids", lot_api_error, 1, MAX_ID), "Lot")
        codes = body.get("lots", [])
        if not isinstance(codes, list) or len(codes) > 1000:
            raise lot_api_error(400, "lots must be a list of at most 1000 GS1 codes.")
        Api = request.env["lot.tracking.api"]
        for code in codes:
            try:
                found = Api._find_lots_by_code(check_string(code, "lots", lot_api_error))
            except gs1.GS1Error as error:
                raise lot_api_error(400, f"lots: {error}.", "invalid_gs1") from error
            if len(found) != 1:
                raise lot_api_error(
                    404 if not found else 409,
                    f"lots: {len(found)} lots of yours match {code[:80]!r}.",
                    None if not found else "ambiguous",
                )
            lots |= found
        for name, model, what in (
            ("product_id", "product.product", "Product"),
            ("supplier_id", "res.partner", "Partner"),
        ):
            if name in body:
                record_id = parse_int(body[name], name, lot_api_error, 1, MAX_ID)
                vals[name] = _one(model, record_id, what).id
        for name in ("received_from", "received_to"):
            if name in body:
                value = check_string(body[name], name, lot_api_error)
                try:
                    vals[name] = fields.Date.to_date(value)
                except ValueError as error:
                    raise lot_api_error(400, f"{name} must be a date (YYYY-MM-DD).") from error
        if not lots and "product_id" not in vals:
            raise lot_api_error(400, "Name the recalled lots (lot_ids or lots) or a product_id.")
        return vals, lots

    @lot_api_route(f"{API_PREFIX}/recalls/<int:recall_id>")
    def recall(self, recall_id, **_kw):
        _args(set())
        recall = _one("lot.tracking.recall", recall_id, "Recall")
        return json_response(request.env["lot.tracking.api"]._recall_values(recall)[0])

    @lot_api_route(f"{API_PREFIX}/recalls/<int:recall_id>/activate", "POST")
    def recall_activate(self, recall_id, **_kw):
        return self._recall_transition(recall_id, "action_activate")

    @lot_api_route(f"{API_PREFIX}/recalls/<int:recall_id>/close", "POST")
    def recall_close(self, recall_id, **_kw):
        return self._recall_transition(recall_id, "action_close")

    def _recall_transition(self, recall_id, method):
        """Activate or close a recall (``method``) and answer with the recall."""
        _args(set())
        check_body_size(lot_api_error)
        recall = _one("lot.tracking.recall", recall_id, "Recall")
        getattr(recall, method)()
        return json_response(request.env["lot.tracking.api"]._recall_values(recall)[0])
