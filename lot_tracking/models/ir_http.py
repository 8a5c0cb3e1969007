import re

from werkzeug.exceptions import HTTPException, MethodNotAllowed

from odoo import models
from odoo.http import request

from ..tools.api_errors import ERRORS, ApiError, EpcisError, epcis_error, lot_api_error

_BEARER = re.compile(r"^bearer\s+(\S+)\s*$", re.IGNORECASE)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_lot_tracking_api(cls):
        """``auth="lot_tracking_api"``: an Odoo API key as ``Authorization: Bearer``, errors
        as lot API JSON."""
        cls._lot_tracking_authenticate_key(lot_api_error)

    @classmethod
    def _auth_method_lot_tracking_epcis(cls):
        """``auth="lot_tracking_epcis"``: the same key check, errors as EPCIS problems."""
        cls._lot_tracking_authenticate_key(epcis_error)

    @classmethod
    def _lot_tracking_authenticate_key(cls, make_error):
        """Run the request as the owner of the API key, with that user's companies and rights.

        Odoo's own check (the one behind ``auth="bearer"``): a key of the user, global or of
        scope ``rpc``, not expired, of an active user. The browser session is not used: a
        call without a valid key is refused even from a logged-in browser.
        """
        header = request.httprequest.headers.get("Authorization", "")
        match = _BEARER.match(header)
        if not match:
            raise make_error(401, "Send an Odoo API key: Authorization: Bearer <key>.")
        uid = request.env["res.users.apikeys"]._check_credentials(scope="rpc", key=match[1])
        if not uid:
            raise make_error(401, "The API key is unknown, revoked or expired.")
        request.update_env(user=uid)
        if lang := request.env.user.lang:
            request.update_context(lang=lang)  # messages in the key owner's language

    @classmethod
    def _match(cls, path_info):
        """A method a route does not take (a POST to a GET route) answered in the API's
        error shape: routing fails before ``_handle_error`` is reached."""
        try:
            return super()._match(path_info)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or ()))
            message = f"{request.httprequest.method} is not allowed here; use {allowed}."
            if path_info.startswith("/lot_tracking/api/"):
                shaped = lot_api_error(405, message)
            elif path_info.startswith("/epcis/"):
                shaped = epcis_error(405, message)
            else:
                raise
            shaped.valid_methods = error.valid_methods
            raise shaped from error

    @classmethod
    def _handle_error(cls, exception):
        """HTTP errors raised before the API's own code runs (a body over the route's
        ``max_content_length``, an unknown path under the API) in the API's error shape."""
        path = request.httprequest.path
        if (
            isinstance(exception, HTTPException)
            and not isinstance(exception, ApiError | EpcisError)
            and exception.code in ERRORS
        ):
            if path.startswith("/lot_tracking/api/"):
                return lot_api_error(exception.code, exception.description)
            if path.startswith("/epcis/"):
                return epcis_error(exception.code, exception.description)
        return super()._handle_error(exception)
