"""What the lot API and the EPCIS endpoints share: JSON answers, errors in their shapes,
request parsing."""

import functools
import json
import logging

import psycopg2
from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import Response, request

from ..tools.api_errors import ERRORS, ApiError, EpcisError, epcis_error, lot_api_error
from ..tools.openapi import MAX_BODY

_logger = logging.getLogger(__name__)

API_PREFIX = "/lot_tracking/api/v1"
# Largest EPCIS document POST /epcis/capture reads; larger ones get 413.
MAX_CAPTURE_BODY = 8 * 1024 * 1024
MAX_STRING = 2000


def json_response(data, status=200, headers=None):
    body = json.dumps(data, ensure_ascii=False).encode()
    response = Response(body, status=status, headers=headers or [])
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def _shaped(make_error):
    """Answer what goes wrong inside an endpoint in this API's error shape."""

    def decorator(endpoint):
        @functools.wraps(endpoint)
        def wrapper(*args, **kwargs):
            try:
                return endpoint(*args, **kwargs)
            except (ApiError, EpcisError, psycopg2.Error):
                raise  # database errors: Odoo retries the request or rolls it back
            except HTTPException as error:
                if error.code in ERRORS:
                    raise make_error(error.code, error.description) from error
                raise
            except (AccessError, AccessDenied) as error:
                raise make_error(403, str(error.args[0])) from error
            except MissingError as error:
                raise make_error(404, str(error.args[0])) from error
            except ValidationError as error:
                raise make_error(400, str(error.args[0])) from error
            except UserError as error:
                raise make_error(409, str(error.args[0])) from error
            except Exception as error:
                _logger.exception("Lot Tracking API: %s failed", request.httprequest.path)
                raise make_error(500, "The request failed on the server.") from error

        return wrapper

    return decorator


lot_api = _shaped(lot_api_error)
epcis_api = _shaped(epcis_error)


def _api_route(auth, shaped, max_body):
    def route(path, method="GET"):
        """A route of this API: its key auth, no session cookie, errors in its shape; a GET
        on a read-only cursor, a POST without CSRF (callers are systems) and with a body limit."""
        options = {"type": "http", "auth": auth, "methods": [method], "save_session": False}
        if method == "GET":
            options["readonly"] = True
        else:
            options.update(csrf=False, max_content_length=max_body)

        def decorator(endpoint):
            return http.route(path, **options)(shaped(endpoint))

        return decorator

    return route


lot_api_route = _api_route("lot_tracking_api", lot_api, MAX_BODY)
epcis_route = _api_route("lot_tracking_epcis", epcis_api, MAX_CAPTURE_BODY)


def check_body_size(make_error, limit=MAX_BODY):
    """Refuse a body larger than ``limit`` even where the endpoint does not read it."""
    length = request.httprequest.content_length
    if length is not None and length > limit:
        raise make_error(413, f"The request body is larger than {limit} bytes.")


def read_json_body(make_error, limit=MAX_BODY):
    """The request's JSON body (any JSON value), at most ``limit`` bytes."""
    httprequest = request.httprequest
    limit = min(limit, httprequest.max_content_length or limit)
    length = httprequest.content_length
    if not length:
        # without a length (chunked), the body could be anything long: refuse it unread
        raise make_error(400, "The request needs a JSON body, sent with its Content-Length.")
    if length > limit:
        raise make_error(413, f"The request body is larger than {limit} bytes.")
    data = httprequest.get_data(cache=False)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise make_error(400, f"The request body is not valid JSON: {error}") from error


def check_string(value, name, make_error):
    """A text parameter: a string, not too long, without control characters."""
    if not isinstance(value, str):
        raise make_error(400, f"{name} must be a string.")
    if len(value) > MAX_STRING:
        raise make_error(400, f"{name} is longer than {MAX_STRING} characters.")
    if any(ord(char) < 32 and char not in "\t\x1d" for char in value):
        raise make_error(400, f"{name} contains control characters.")
    return value


def parse_int(value, name, make_error, minimum=1, maximum=2**31 - 1):
    """A whole number parameter (text of a query string or JSON number)."""
    if isinstance(value, bool):
        raise make_error(400, f"{name} must be a whole number.")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise make_error(400, f"{name} must be a whole number, got {value[:40]!r}.")
        value = int(text)
    if not isinstance(value, int) or not minimum <= value <= maximum:
        raise make_error(400, f"{name} must be a whole number from {minimum} to {maximum}.")
    return value
