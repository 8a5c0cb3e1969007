"""The error answers of the lot API and of the EPCIS endpoints. No ORM.

An error is raised as an ``HTTPException`` carrying its JSON answer: Odoo rolls the request's
transaction back, then answers it.
"""

import json

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import epcis


def _json(data, status, content_type):
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(body, status=status, content_type=f"{content_type}; charset=utf-8")


class ApiError(HTTPException):
    """A lot API error: ``{"error": {"code": …, "message": …}}``."""

    def __init__(self, status, code, message):
        super().__init__(description=message)
        self.code = status
        self.error_code = code

    def get_response(self, environ=None, scope=None):
        body = {"error": {"code": self.error_code, "message": self.description}}
        response = _json(body, self.code, "application/json")
        _common_headers(self, response)
        return response


def _common_headers(error, response):
    if error.code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))


class EpcisError(HTTPException):
    """An EPCIS error as the REST binding answers it: RFC 7807 ``application/problem+json``
    with an ``epcisException:…`` type."""

    def __init__(self, status, exception, title, detail=None, extra=None):
        super().__init__(description=detail or title)
        self.code = status
        self.exception = exception
        self.title = title
        self.detail = detail
        self.extra = extra or {}

    def get_response(self, environ=None, scope=None):
        body = {
            "type": f"epcisException:{self.exception}",
            "title": self.title,
            "status": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)  # RFC 7807 extension members
        response = _json(body, self.code, "application/problem+json")
        response.headers["GS1-EPCIS-Version"] = epcis.EPCIS_VERSION
        _common_headers(self, response)
        return response


# status: (lot API code, EPCIS exception, EPCIS title)
ERRORS = {
    400: ("invalid_request", "ValidationException", "Invalid request"),
    401: ("unauthorized", "SecurityException", "Unauthorised request"),
    403: ("forbidden", "SecurityException", "Access to resource forbidden"),
    404: ("not_found", "NoSuchResourceException", "Resource not found"),
    405: ("method_not_allowed", "ImplementationException", "Method not allowed"),
    406: ("not_acceptable", "NotAcceptableException", "Conflicting request and response headers"),
    409: ("conflict", "ValidationException", "Conflict with the current state"),
    413: ("payload_too_large", "CaptureLimitExceededException", "Payload too large"),
    415: ("unsupported_media_type", "UnsupportedMediaTypeException", "Unsupported Media Type"),
    500: ("server_error", "ImplementationException", "A server-side error occurred"),
}


def lot_api_error(status, message, code=None):
    return ApiError(status, code or ERRORS[status][0], message)


def epcis_error(status, detail, exception=None, title=None, extra=None):
    __, default_exception, default_title = ERRORS[status]
    return EpcisError(status, exception or default_exception, title or default_title, detail, extra)
