"""The OpenAPI 3.1 description of the lot API and of the module's EPCIS endpoints, served at
``/lot_tracking/api/v1/openapi.json``. Pure Python, no Odoo import.

The test suite checks every answer it receives against the response schemas below.
"""

import copy

API_PREFIX = "/lot_tracking/api/v1"


def _nullable(schema):
    schema = copy.deepcopy(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(required if required is not None else properties),
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
URI = {"type": "string", "format": "uri"}


def _list(item):
    return {"type": "array", "items": item}


def _page(item):
    return _object(
        {"data": _list(_ref(item)), "next_cursor": _nullable(STRING)},
    )


SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "description": "Stable code: unauthorized, forbidden, not_found, "
                        "invalid_request, invalid_gs1, conflict, ambiguous, payload_too_large, "
                        "server_error.",
                    },
                    "message": STRING,
                }
            )
        }
    ),
    "EpcisProblem": {
        "type": "object",
        "description": "RFC 7807 problem, as GS1's EPCIS 2.0 REST binding answers errors.",
        "properties": {
            "type": {"type": "string", "pattern": "^epcisException:[A-Za-z]+$"},
            "title": STRING,
            "status": INTEGER,
            "detail": STRING,
            "errors": {
                "type": "array",
                "description": "Of a refused capture: every problem found in the document.",
                "items": _object({"pointer": STRING, "message": STRING}),
            },
        },
        "required": ["type", "title", "status"],
    },
    "CaptureJob": {
        "type": "object",
        "description": "A capture job of GS1's REST binding; only successful captures are "
        "stored (a refused document gets its errors at once and leaves nothing behind).",
        "properties": {
            "captureID": STRING,
            "createdAt": DATE_TIME,
            "finishedAt": DATE_TIME,
            "running": BOOLEAN,
            "success": BOOLEAN,
            "captureErrorBehaviour": {"enum": ["rollback"]},
            "errors": {"type": "array", "maxItems": 0},
            "eventCount": INTEGER,
            "receipts": _list(
                _object(
                    {
                        "id": INTEGER,
                        "name": STRING,
                        "purchaseOrder": _nullable(STRING),
                        "lots": _list(
                            _object({"lot": STRING, "lotCode": STRING, "quantity": NUMBER})
                        ),
                    }
                )
            ),
        },
        "required": [
            "captureID",
            "createdAt",
            "finishedAt",
            "running",
            "success",
            "captureErrorBehaviour",
            "errors",
        ],
    },
    "Ref": _object({"id": INTEGER, "name": STRING}),
    "ProductRef": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "default_code": _nullable(STRING),
            "gtin": _nullable(STRING),
        }
    ),
    "GtinProductRef": _object({"id": INTEGER, "name": STRING, "gtin": _nullable(STRING)}),
    "PartyRef": _object({"id": INTEGER, "name": STRING, "gln": _nullable(STRING)}),
    "LotRef": _object({"id": INTEGER, "name": STRING, "lot_code": STRING}),
    "Location": _object({"id": INTEGER, "name": STRING, "warehouse": _nullable(_ref("PartyRef"))}),
    "Lot": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "lot_code": {
                "type": "string",
                "description": "The lot printed on the goods: the supplier's lot code, else "
                "the lot's name.",
            },
            "supplier_lot_code": _nullable(STRING),
            "digital_link": _nullable(URI),
            "product": _ref("ProductRef"),
            "company": _nullable(_ref("Ref")),
            "supplier": _nullable(_ref("PartyRef")),
            "quality_state": {"enum": ["quarantine", "released", "blocked", "recalled"]},
            "is_sellable": BOOLEAN,
            "sale_block_reason": _nullable(STRING),
            "expiration_date": _nullable(DATE_TIME),
            "use_date": _nullable(DATE_TIME),
            "removal_date": _nullable(DATE_TIME),
            "alert_date": _nullable(DATE_TIME),
            "production_date": _nullable(DATE),
            "receipt_date": _nullable(DATE_TIME),
            "receipt": _nullable(_ref("Ref")),
            "origin_country": _nullable(STRING),
            "markdown_percent": NUMBER,
            "quantity_on_hand": NUMBER,
            "uom": STRING,
        }
    ),
    "LotPage": _page("Lot"),
    "LotStock": _object({"location": _ref("Location"), "quantity": NUMBER}),
    "LotStockList": _object({"data": _list(_ref("LotStock"))}),
    "Quant": _object(
        {
            "id": INTEGER,
            "lot": _ref("LotRef"),
            "product": _ref("Ref"),
            "location": _ref("Location"),
            "package": _nullable(_ref("Ref")),
            "quantity": NUMBER,
            "reserved_quantity": NUMBER,
            "uom": STRING,
        }
    ),
    "QuantPage": _page("Quant"),
    "Event": _object(
        {
            "id": INTEGER,
            "type": STRING,
            "date": DATE_TIME,
            "lot": _ref("LotRef"),
            "product": _ref("GtinProductRef"),
            "company": _nullable(_ref("Ref")),
            "quantity": NUMBER,
            "picking": _nullable(_ref("Ref")),
            "pos_order": _nullable(_ref("Ref")),
            "user": _nullable(_ref("Ref")),
            "note": _nullable(STRING),
        }
    ),
    "EventFeed": _object(
        {
            "data": _list(_ref("Event")),
            "next_cursor": {
                "type": "string",
                "description": "Give it back as cursor to read what happened since; always "
                "present, even on an empty page.",
            },
            "has_more": BOOLEAN,
        }
    ),
    "Trace": _object(
        {
            "lot": _ref("Lot"),
            "upstream": _object(
                {
                    "supplier": _nullable(_ref("PartyRef")),
                    "supplier_lot_code": _nullable(STRING),
                    "receipt": _nullable(_ref("Ref")),
                    "purchase_order": _nullable(_ref("Ref")),
                    "origin_country": _nullable(STRING),
                    "production_date": _nullable(DATE),
                }
            ),
            "downstream": _list(_object({"partner": _nullable(STRING), "quantity": NUMBER})),
            "movements": _list(
                _object(
                    {
                        "date": DATE_TIME,
                        "kind": STRING,
                        "direction": {"enum": ["upstream", "downstream", "internal"]},
                        "reference": _nullable(STRING),
                        "origin": _nullable(STRING),
                        "from": STRING,
                        "to": STRING,
                        "partner": _nullable(STRING),
                        "pos_order": _nullable(STRING),
                        "quantity": NUMBER,
                    }
                )
            ),
            "pos_orders": _list(
                _object(
                    {
                        "name": STRING,
                        "date": DATE_TIME,
                        "customer": _nullable(STRING),
                        "quantity": NUMBER,
                    }
                )
            ),
            "stock": _list(_ref("LotStock")),
            "events": _list(_ref("Event")),
            "cost": {
                "anyOf": [
                    _object({"unit_cost": NUMBER, "currency": STRING}),
                    {"const": False},
                ],
                "description": "Only for users who may see costs (false otherwise).",
            },
            "uom": STRING,
        }
    ),
    "Recall": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "state": {"enum": ["draft", "active", "closed"]},
            "reason": STRING,
            "company": _ref("Ref"),
            "product": _nullable(_ref("Ref")),
            "supplier": _nullable(_ref("Ref")),
            "received_from": _nullable(DATE),
            "received_to": _nullable(DATE),
            "date_activated": _nullable(DATE_TIME),
            "date_closed": _nullable(DATE_TIME),
            "lots": _list(_ref("LotRef")),
            "customer_count": INTEGER,
            "quantity_sold": NUMBER,
            "quantity_in_stock": NUMBER,
            "affected_customers": _list(
                _object(
                    {
                        "kind": {"enum": ["sold", "returned"]},
                        "partner": _nullable(_ref("Ref")),
                        "lot": _ref("Ref"),
                        "picking": _nullable(_ref("Ref")),
                        "pos_order": _nullable(_ref("Ref")),
                        "date": _nullable(DATE_TIME),
                        "quantity": NUMBER,
                    }
                )
            ),
            "affected_stock": _list(
                _object(
                    {
                        "kind": {"enum": ["stock", "transit"]},
                        "lot": _ref("Ref"),
                        "location": _ref("Location"),
                        "quantity": NUMBER,
                    }
                )
            ),
        }
    ),
    "RecallPage": _page("Recall"),
    "RecallCreate": {
        "type": "object",
        "properties": {
            "reason": STRING,
            "lot_ids": _list(INTEGER),
            "lots": {
                **_list(STRING),
                "description": "GS1 element strings or Digital Link URIs of the lots.",
            },
            "product_id": {"type": "integer", "description": "Recall every lot of it…"},
            "supplier_id": {"type": "integer", "description": "…received from this supplier…"},
            "received_from": DATE,
            "received_to": {**DATE, "description": "…in this date range (inclusive)."},
        },
        "required": ["reason"],
        "additionalProperties": False,
    },
    "EPCISDocument": {
        "type": "object",
        "description": "An EPCIS 2.0 EPCISDocument; it validates against GS1's EPCIS 2.0 JSON "
        "Schema (https://ref.gs1.org/standards/epcis/2.0.0/epcis-json-schema.json).",
        "properties": {"type": {"const": "EPCISDocument"}},
        "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
    },
    "EPCISQueryDocument": {
        "type": "object",
        "description": "An EPCIS 2.0 EPCISQueryDocument; it validates against GS1's EPCIS 2.0 "
        "JSON Schema.",
        "properties": {"type": {"const": "EPCISQueryDocument"}},
        "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
    },
}

MAX_BODY = 1024 * 1024

_ERRORS = {
    "400": "Malformed request: bad parameter, unknown parameter, invalid JSON.",
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "The key's user has no right to do this.",
    "404": "Unknown, or belongs to a company the key's user does not work in.",
    "409": "Not possible in the record's current state, or the code matches several lots.",
    "413": f"The body is larger than {MAX_BODY} bytes.",
    "404e": "No such capture, or one of a company the key's user does not work in.",
    "406": "Only JSON is served.",
    "413e": "The document is larger than GS1-EPCIS-Capture-File-Size-Limit bytes.",
    "415": "Send application/json or application/ld+json.",
    "500": "The server failed; nothing was captured.",
}


def _error_responses(*statuses, problem=False):
    schema, mimetype = (
        (_ref("EpcisProblem"), "application/problem+json")
        if problem
        else (_ref("Error"), "application/json")
    )
    return {
        status[:3]: {"description": _ERRORS[status], "content": {mimetype: {"schema": schema}}}
        for status in statuses
    }


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name, description, schema=None, required=False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or STRING,
    }


def _path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": INTEGER}


PAGE_PARAMETERS = [
    _query("limit", "Page size.", {"type": "integer", "minimum": 1}),
    _query("cursor", "next_cursor of the previous page."),
]


def _get(summary, response, parameters=(), errors=("400", "401", "403"), tags=("Lots",)):
    return {
        "get": {
            "summary": summary,
            "tags": list(tags),
            "parameters": list(parameters),
            "responses": {"200": _json(response), **_error_responses(*errors)},
        }
    }


def _paths():
    lot_id = _path_id("lot_id")
    recall_id = _path_id("recall_id")
    recall_action = {
        "parameters": [recall_id],
        "responses": {
            "200": _json(_ref("Recall")),
            **_error_responses("401", "403", "404", "409", "413"),
        },
        "tags": ["Recalls"],
    }
    return {
        f"{API_PREFIX}/lots": _get(
            "Lots, by id, with filters",
            _ref("LotPage"),
            [
                _query("gtin", "GTIN of the product (8, 12, 13 or 14 digits)."),
                _query("product_id", "Product id.", INTEGER),
                _query("supplier_id", "Supplier (partner) id.", INTEGER),
                _query(
                    "state",
                    "Quality state.",
                    {"enum": ["quarantine", "released", "blocked", "recalled"]},
                ),
                _query(
                    "expiring_before",
                    "Lots whose expiration date is before this date or date-time.",
                ),
                *PAGE_PARAMETERS,
            ],
        ),
        f"{API_PREFIX}/lots/lookup": _get(
            "One lot by what its label carries",
            _ref("Lot"),
            [
                _query(
                    "code",
                    "A GS1 element string ((01)…(10)…, GS1-128/DataMatrix data) or a GS1 "
                    "Digital Link URI with a GTIN and a lot.",
                    required=True,
                )
            ],
            errors=("400", "401", "403", "404", "409"),
        ),
        f"{API_PREFIX}/lots/{{lot_id}}": _get(
            "One lot", _ref("Lot"), [lot_id], errors=("401", "403", "404")
        ),
        f"{API_PREFIX}/lots/{{lot_id}}/stock": _get(
            "Internal stock of a lot per location",
            _ref("LotStockList"),
            [lot_id],
            errors=("401", "403", "404"),
        ),
        f"{API_PREFIX}/lots/{{lot_id}}/trace": _get(
            "Trace of a lot: upstream, downstream, movements, stock, events",
            _ref("Trace"),
            [lot_id],
            errors=("401", "403", "404"),
        ),
        f"{API_PREFIX}/lots/{{lot_id}}/epcis": _get(
            "The lot's events as an EPCISDocument, its master data in the header",
            _ref("EPCISDocument"),
            [lot_id],
            errors=("401", "403", "404"),
        ),
        f"{API_PREFIX}/stock": _get(
            "Stock by lot and location (quants of lots in internal locations)",
            _ref("QuantPage"),
            [
                _query("lot_id", "Lot id.", INTEGER),
                _query("location_id", "Location id (its sub-locations included).", INTEGER),
                _query("product_id", "Product id.", INTEGER),
                _query("gtin", "GTIN of the product."),
                *PAGE_PARAMETERS,
            ],
            tags=("Stock",),
        ),
        f"{API_PREFIX}/events": _get(
            "The event feed, in commit-safe order",
            _ref("EventFeed"),
            [
                _query("cursor", "next_cursor of the previous call (none: from the start)."),
                _query("limit", "Page size.", {"type": "integer", "minimum": 1}),
                _query("lot_id", "Only this lot's events.", INTEGER),
                _query("type", "Event types, comma-separated (received, shipped, …)."),
            ],
            tags=("Events",),
        ),
        f"{API_PREFIX}/recalls": {
            **_get(
                "Recalls",
                _ref("RecallPage"),
                [_query("state", "draft, active or closed."), *PAGE_PARAMETERS],
                tags=("Recalls",),
            ),
            "post": {
                "summary": "Create a draft recall (managers)",
                "tags": ["Recalls"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("RecallCreate")}},
                },
                "responses": {
                    "201": _json(_ref("Recall"), "Created; Location names it."),
                    **_error_responses("400", "401", "403", "404", "409", "413"),
                },
            },
        },
        f"{API_PREFIX}/recalls/{{recall_id}}": _get(
            "One recall with its affected customers and stock",
            _ref("Recall"),
            [recall_id],
            errors=("401", "403", "404"),
            tags=("Recalls",),
        ),
        f"{API_PREFIX}/recalls/{{recall_id}}/activate": {
            "post": {**recall_action, "summary": "Activate: recall the lots everywhere"}
        },
        f"{API_PREFIX}/recalls/{{recall_id}}/close": {
            "post": {**recall_action, "summary": "Close once no recalled stock is left"}
        },
        "/epcis/events": {
            "get": {
                "summary": "EPCIS 2.0 events (GS1 REST binding), keyset-paginated",
                "tags": ["EPCIS"],
                "parameters": [
                    _query("eventType", "Pipe-delimited; lot events are ObjectEvents."),
                    _query("GE_eventTime", "Events at or after (RFC 3339).", DATE_TIME),
                    _query("LT_eventTime", "Events before (RFC 3339).", DATE_TIME),
                    _query("EQ_bizStep", "Pipe-delimited CBV business steps."),
                    _query("EQ_disposition", "Pipe-delimited CBV dispositions."),
                    _query(
                        "MATCH_anyEPCClass",
                        "Pipe-delimited GS1 Digital Link URIs (…/01/<GTIN>[/10/<lot>]) or "
                        "LGTIN URNs.",
                    ),
                    _query(
                        "EQ_bizLocation",
                        "Pipe-delimited https://id.gs1.org/414/<GLN> (or SGLN URNs).",
                    ),
                    _query(
                        "perPage", "At most 1000; default 30.", {"type": "integer", "minimum": 1}
                    ),
                    _query("nextPageToken", "From the Link header of the previous page."),
                ],
                "responses": {
                    "200": {
                        **_json(_ref("EPCISQueryDocument")),
                        "headers": {
                            "Link": {
                                "description": 'Next page: <url>; rel="next" (absent on the '
                                "last page).",
                                "schema": STRING,
                            }
                        },
                    },
                    **_error_responses("400", "401", "403", "406", problem=True),
                },
            }
        },
        "/epcis/capture": {
            "post": {
                "summary": "Capture an EPCISDocument: shipping events naming our purchase "
                "orders become advance shipping notices on their receipts",
                "tags": ["EPCIS"],
                "parameters": [
                    {
                        "name": "GS1-Capture-Error-Behaviour",
                        "in": "header",
                        "required": False,
                        "description": "Only rollback (all or nothing).",
                        "schema": {"enum": ["rollback"]},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("EPCISDocument")}},
                },
                "responses": {
                    "202": {
                        **_json(_ref("CaptureJob"), "Captured; Location names the capture job."),
                        "headers": {"Location": {"schema": STRING}},
                    },
                    **_error_responses("400", "401", "403", "413e", "415", "500", problem=True),
                },
            }
        },
        "/epcis/capture/{capture_id}": {
            "get": {
                "summary": "The outcome of a capture (capture job)",
                "tags": ["EPCIS"],
                "parameters": [_path_id("capture_id")],
                "responses": {
                    "200": _json(_ref("CaptureJob")),
                    **_error_responses("401", "403", "404e", "406", problem=True),
                },
            }
        },
    }


def document():
    """The OpenAPI 3.1 document (a new dict each call)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lot Tracking API",
            "version": "1.0.0",
            "description": "Lots, stock by lot, traces, recalls and the event feed of Odoo's "
            "lot_tracking module, and its GS1 EPCIS 2.0 query endpoint. Authenticate with an "
            "Odoo API key: Authorization: Bearer <key>. Requests run as the key's user, "
            "inside that user's companies and rights.",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An Odoo API key (Preferences > Account Security).",
                }
            },
            "schemas": copy.deepcopy(SCHEMAS),
        },
    }
