"""Fixtures of the HTTP API tests: real API keys, real HTTP, answers checked against the
module's OpenAPI document and EPCIS documents against GS1's EPCIS 2.0 JSON Schema.

GS1's schema is not part of this repository (its licence is a GS1 notice): the tests read it
from a clone of https://github.com/gs1/EPCIS, by default the mirror at
``/work/.mirror/gs1+EPCIS/repo``. Point ``LOT_TRACKING_EPCIS_SCHEMA`` at an
``EPCIS-JSON-Schema.json`` file, or ``LOT_TRACKING_EPCIS_REPO`` at another clone.
"""

import datetime
import json
import os
import re
import subprocess
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from odoo import Command, fields
from odoo.tests import HttpCase

from .common import LotTrackingCommon

EPCIS_REPO = os.environ.get("LOT_TRACKING_EPCIS_REPO", "/work/.mirror/gs1+EPCIS/repo")
EPCIS_SCHEMA_FILE = os.environ.get("LOT_TRACKING_EPCIS_SCHEMA")
API = "/lot_tracking/api/v1"


def load_epcis_schema():
    """GS1's EPCIS 2.0 JSON Schema, or None when no copy is at hand."""
    if EPCIS_SCHEMA_FILE:
        with open(EPCIS_SCHEMA_FILE, encoding="utf-8") as file:
            return json.load(file)
    try:
        text = subprocess.run(
            ["git", "-C", EPCIS_REPO, "show", "HEAD:EPCIS-JSON-Schema.json"],
            check=True,
            capture_output=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return json.loads(text)


class LotTrackingApiCommon(LotTrackingCommon, HttpCase):
    """A receipt of two yogurt lots, keys for a manager, a stock user, a user without
    inventory rights, and a lot of another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.gln = "5412345000013"
        cls.warehouse.gln = "5412345000020"
        cls.supplier.gln = "4012345000009"
        cls.customer.gln = "4012345000016"
        cls.no_stock_user = cls._create_user("lt_no_stock")
        cls.manager_key = cls._key(cls.manager)
        cls.user_key = cls._key(cls.stock_user)
        cls.no_stock_key = cls._key(cls.no_stock_user)
        cls.receipt = cls._purchase([(cls.yogurt, 10, 2.0), (cls.cheese, 4, 3.0)])
        cls.purchase = cls.receipt.purchase_id
        cls.receipt.lot_tracking_scan(
            cls._label(cls.yogurt, "SUP/1", cls._in_days(15), **{"37": 6})
        )
        cls.receipt.lot_tracking_scan(
            cls._label(cls.yogurt, "SUP-2", cls._in_days(40), **{"37": 4})
        )
        cheese_line = cls.receipt.move_ids.filtered(lambda m: m.product_id == cls.cheese)
        cheese_line.move_line_ids.write({"lot_name": "CH-1", "quantity": 4, "picked": True})
        cls._validate(cls.receipt)
        lots = cls.receipt.move_line_ids.lot_id
        cls.lot_a = lots.filtered(lambda lot: lot.supplier_lot_code == "SUP/1")
        cls.lot_b = lots.filtered(lambda lot: lot.supplier_lot_code == "SUP-2")
        cls.lot_cheese = lots.filtered(lambda lot: lot.product_id == cls.cheese)
        cls.lot_cheese.write(
            {"origin_country_id": cls.env.ref("base.fr").id, "production_date": cls._in_days(-2)}
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Foods"})
        cls.other_lot = cls.env["stock.lot"].create(
            {
                "name": "OTHER-1",
                "supplier_lot_code": "SUP/1",
                "product_id": cls.yogurt.id,
                "company_id": cls.other_company.id,
            }
        )

    @classmethod
    def _key(cls, user, expiration=None):
        return (
            cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, f"{user.login} integration", expiration)
        )

    # ------------------------------------------------------------------------------------
    # HTTP
    # ------------------------------------------------------------------------------------
    def call(self, path, key=None, body=None, data=None, headers=None, check=True):
        """GET ``path`` (POST when a body is given) with ``key``; the answer is checked
        against the OpenAPI document unless ``check`` is False."""
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        if data == b"":  # url_open sends a GET without data
            response = self.opener.post(self.base_url() + path, data=data, headers=headers)
        else:
            response = self.url_open(path, data=data, headers=headers, timeout=60)
        if check:
            self.assert_openapi(response, "post" if data is not None else "get", path)
        return response

    def openapi_document(self):
        """The document the server serves (fetched once per class)."""
        if type(self).__dict__.get("_openapi_document") is None:
            response = self.url_open(f"{API}/openapi.json")
            self.assertEqual(response.status_code, 200)
            type(self)._openapi_document = response.json()
        return type(self)._openapi_document

    def assert_openapi(self, response, method, path):
        """The answer is one the OpenAPI document describes, and matches its schema."""
        document = self.openapi_document()
        template = self._path_template(document, urlsplit(path).path)
        operation = document["paths"][template][method]
        status = str(response.status_code)
        self.assertIn(
            status,
            operation["responses"],
            f"{method.upper()} {path} answered {status}: {response.text[:300]}",
        )
        described = operation["responses"][status]
        if "content" not in described:
            return
        mimetype = response.headers["Content-Type"].split(";")[0]
        self.assertIn(mimetype, described["content"], f"{path}: {status} as {mimetype}")
        schema = described["content"][mimetype]["schema"]
        registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
        )
        root = {"$ref": "urn:openapi#" + schema["$ref"][1:]} if "$ref" in schema else schema
        validator = Draft202012Validator(root, registry=registry, format_checker=FormatChecker())
        errors = [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(response.json())
        ]
        self.assertFalse(errors, f"{method.upper()} {path} ({status}) breaks its schema")

    @staticmethod
    def _path_template(document, path):
        for template in document["paths"]:
            pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", r"-?\\d+", re.escape(template)) + "$"
            if re.match(pattern, path):
                return template
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def assert_epcis_document(self, document):
        """Valid against GS1's official schema, formats included."""
        cls = type(self)
        if "_epcis_schema" not in cls.__dict__:
            cls._epcis_schema = load_epcis_schema()
        if cls._epcis_schema is None:
            self.skipTest(
                "GS1's EPCIS JSON Schema is not at hand: set LOT_TRACKING_EPCIS_SCHEMA or "
                "LOT_TRACKING_EPCIS_REPO"
            )
        validator_class = validator_for(cls._epcis_schema)
        validator = validator_class(cls._epcis_schema, format_checker=FormatChecker())
        errors = [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(document)
        ]
        self.assertFalse(errors, "the document breaks GS1's EPCIS 2.0 JSON Schema")

    def assert_problem(self, response, status, exception):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/problem+json")
        problem = response.json()
        self.assertEqual(problem["type"], f"epcisException:{exception}")
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem["title"])
        return problem

    def assert_error(self, response, status, code=None):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        error = response.json()["error"]
        self.assertTrue(error["message"])
        if code:
            self.assertEqual(error["code"], code)
        return error

    # ------------------------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------------------------
    def _ship(self, lot, qty, partner=None):
        """Deliver ``qty`` of ``lot`` and log the ``shipped`` event a delivery writes."""
        delivery = self._deliver(lot.product_id, lot, qty, partner)
        if not self.env["lot.tracking.event"].search(
            [("picking_id", "=", delivery.id), ("event_type", "=", "shipped")]
        ):
            lot._lot_tracking_log("shipped", quantities={lot.id: qty}, picking_id=delivery.id)
        return delivery

    @classmethod
    def _new_user_in(cls, company, login):
        return cls.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("stock.group_stock_user").id,
                        ]
                    )
                ],
            }
        )

    @staticmethod
    def _past(days):
        return fields.Datetime.now() - datetime.timedelta(days=days)
