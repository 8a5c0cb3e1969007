"""EPCIS capture over real HTTP: a supplier's shipping events become an advance shipping
notice on the order's receipt; scanning on arrival confirms the announced lots and flags what
differs; a refused document, or a capture failing halfway, leaves nothing behind."""

import datetime
import json
import uuid
from unittest.mock import patch

from odoo.tests import tagged

from ..models import lot_tracking_capture
from ..tools import digital_link
from .api_common import LotTrackingApiCommon

COMPANY_GLN = "5412345000013"


@tagged("post_install", "-at_install")
class TestEpcisCapture(LotTrackingApiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.asn_receipt = cls._purchase([(cls.yogurt, 20, 2.0), (cls.cheese, 10, 3.0)])
        cls.order = cls.asn_receipt.purchase_id

    # ------------------------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------------------------
    def _class(self, product, code):
        return digital_link.lot_uri(product.barcode, code)

    def _event(self, items, order=None, **values):
        """A shipping ObjectEvent of ``[(product, lot code, quantity), …]`` for ``order``."""
        return {
            "type": "ObjectEvent",
            "eventTime": "2026-11-20T08:00:00.000Z",
            "eventTimeZoneOffset": "+01:00",
            "eventID": f"urn:uuid:{uuid.uuid4()}",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "quantityList": [
                {"epcClass": self._class(product, code), "quantity": quantity}
                for product, code, quantity in items
            ],
            "bizTransactionList": [
                {
                    "type": "po",
                    "bizTransaction": f"urn:epcglobal:cbv:bt:{COMPANY_GLN}:"
                    f"{(order or self.order).name}",
                },
                {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:DA-77"},
            ],
            **values,
        }

    def _document(self, events, expiries=None):
        """An EPCISDocument of ``events``; ``expiries`` {(product, code): date} go in its
        master data."""
        document = {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-20T08:05:00.000Z",
            "epcisBody": {"eventList": events},
        }
        if expiries:
            elements = [
                {
                    "id": self._class(product, code),
                    "attributes": [
                        {"id": "cbvmda:lotNumber", "attribute": code},
                        {"id": "cbvmda:itemExpirationDate", "attribute": date.isoformat()},
                    ],
                }
                for (product, code), date in expiries.items()
            ]
            document["epcisHeader"] = {
                "epcisMasterData": {
                    "vocabularyList": [
                        {
                            "type": "urn:epcglobal:epcis:vtype:EPCClass",
                            "vocabularyElementList": elements,
                        }
                    ]
                }
            }
        return document

    def _notice(self):
        """Yogurt lot Y-1 (12, expiry in master data) and cheese lot C-1 (5, expiry from an
        ADD event's ilmd): a document valid against GS1's schema."""
        commissioning = {
            "type": "ObjectEvent",
            "eventTime": "2026-11-19T06:00:00.000Z",
            "eventTimeZoneOffset": "+01:00",
            "eventID": f"urn:uuid:{uuid.uuid4()}",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": self._class(self.cheese, "C-1"), "quantity": 5}],
            "ilmd": {"cbvmda:itemExpirationDate": self._in_days(80).isoformat()},
        }
        shipping = self._event([(self.yogurt, "Y-1", 12), (self.cheese, "C-1", 5)])
        document = self._document(
            [commissioning, shipping], {(self.yogurt, "Y-1"): self._in_days(30)}
        )
        self.assert_epcis_document(document)
        return document

    def capture(self, document, key=None, status=202):
        response = self.call("/epcis/capture", key=key or self.user_key, body=document)
        self.assertEqual(response.status_code, status, response.text[:2000])
        return response

    def _state(self):
        """What a refused capture must leave as it was."""
        self.env.invalidate_all()
        return (
            self.env["stock.lot"].search_count([]),
            self.env["lot.tracking.capture"].sudo().search_count([]),
            self.env["lot.tracking.asn.line"].sudo().search_count([]),
            self.env["mail.message"].search_count(
                [("model", "=", "stock.picking"), ("res_id", "=", self.asn_receipt.id)]
            ),
        )

    # ------------------------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------------------------
    def test_capture_prepares_the_announced_lots(self):
        lots_before = self.env["stock.lot"].search_count([])
        response = self.capture(self._notice())
        location = response.headers["Location"]
        self.assertRegex(location, r"^/epcis/capture/\d+$")
        self.assertEqual(response.headers["GS1-EPCIS-Version"], "2.0.0")
        job = self.call(location, key=self.user_key).json()
        self.assertEqual(job["captureID"], location.rsplit("/", 1)[1])
        self.assertEqual((job["running"], job["success"], job["errors"]), (False, True, []))
        self.assertEqual(job["receipts"][0]["name"], self.asn_receipt.name)
        self.assertEqual(job["receipts"][0]["purchaseOrder"], self.order.name)
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before + 2)
        lines = self.asn_receipt.lot_tracking_asn_line_ids
        self.assertEqual(
            sorted((ln.lot_id.supplier_lot_code, ln.quantity, ln.state) for ln in lines),
            [("C-1", 5.0, "expected"), ("Y-1", 12.0, "expected")],
        )
        yogurt_lot = lines.filtered(lambda ln: ln.product_id == self.yogurt).lot_id
        cheese_lot = lines.filtered(lambda ln: ln.product_id == self.cheese).lot_id
        self.assertEqual(yogurt_lot.expiration_date.date(), self._in_days(30))
        self.assertEqual(cheese_lot.expiration_date.date(), self._in_days(80))
        self.assertEqual(yogurt_lot.supplier_id, self.supplier)
        self.assertEqual(yogurt_lot.company_id, self.company)
        self.assertFalse(self.asn_receipt.move_line_ids.lot_id)  # nothing received yet
        self.assertIn("Advance shipping notice", self.asn_receipt.message_ids[0].body)
        self.assertFalse(self.asn_receipt.lot_tracking_asn_difference)
        # another company's user does not see the capture
        other_user = self._new_user_in(self.other_company, "lt_other_capture")
        self.assert_problem(
            self.call(location, key=self._key(other_user)), 404, "NoSuchResourceException"
        )

    def test_announced_best_before_keeps_the_dates_product_expiry_computes(self):
        """A notice's best-before date and country of origin reach the lot, and the lot
        still gets its alert and removal dates from its expiry, as a scanned label's does."""
        self.yogurt.write({"use_time": 8, "removal_time": 3, "alert_time": 5})
        expiry = self._in_days(30)
        document = self._document(
            [self._event([(self.yogurt, "Y-BB", 4)])], {(self.yogurt, "Y-BB"): expiry}
        )
        element = document["epcisHeader"]["epcisMasterData"]["vocabularyList"][0][
            "vocabularyElementList"
        ][0]
        element["attributes"] += [
            {"id": "cbvmda:bestBeforeDate", "attribute": self._in_days(20).isoformat()},
            {"id": "cbvmda:countryOfOrigin", "attribute": "NL"},
        ]
        self.capture(document)
        lot = self.asn_receipt.lot_tracking_asn_line_ids.lot_id
        self.assertEqual(lot.supplier_lot_code, "Y-BB")
        end_of_expiry = lot.expiration_date
        self.assertEqual(end_of_expiry.date(), expiry)
        self.assertEqual(lot.use_date.date(), self._in_days(20), "the notice's best-before")
        self.assertEqual(lot.alert_date, end_of_expiry - datetime.timedelta(days=5))
        self.assertEqual(lot.removal_date, end_of_expiry - datetime.timedelta(days=3))
        self.assertEqual(lot.origin_country_id, self.env.ref("base.nl"))
        self.assertFalse(lot.receipt_picking_id, "announced, not received yet")
        self.assertEqual((lot.supplier_id, lot.standard_price), (self.supplier, 2.0))

    def test_asn_scan_difference_flow(self):
        """ASN → scan → differences: the announced lot is confirmed (not created again),
        another expiry on the label, an unannounced lot and a short quantity are flagged."""
        self.capture(self._notice())
        receipt = self.asn_receipt
        lines = receipt.lot_tracking_asn_line_ids
        yogurt_line = lines.filtered(lambda ln: ln.product_id == self.yogurt)
        cheese_line = lines.filtered(lambda ln: ln.product_id == self.cheese)
        lots_before = self.env["stock.lot"].search_count([])
        result = receipt.with_user(self.stock_user).lot_tracking_scan(
            self._label(self.yogurt, "Y-1", self._in_days(30), **{"37": 12})
        )
        self.assertEqual(result["lot_id"], yogurt_line.lot_id.id)
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before)
        self.assertEqual((yogurt_line.quantity_received, yogurt_line.state), (12.0, "confirmed"))
        self.assertFalse(receipt.lot_tracking_asn_difference)
        # the cheese label gives another expiry: received with the label's date, flagged
        result = receipt.with_user(self.stock_user).lot_tracking_scan(
            self._label(self.cheese, "C-1", self._in_days(70), **{"37": 3})
        )
        self.assertEqual(result["lot_id"], cheese_line.lot_id.id)
        self.assertEqual(cheese_line.lot_id.expiration_date.date(), self._in_days(70))
        self.assertEqual(cheese_line.label_expiration_date.date(), self._in_days(70))
        self.assertIn("the shipping notice said", receipt.message_ids[0].body)
        self.assertIn("C-1", receipt.lot_tracking_asn_difference)
        # a lot nobody announced
        result = receipt.with_user(self.stock_user).lot_tracking_scan(
            self._label(self.yogurt, "SURPRISE", self._in_days(25), **{"37": 2})
        )
        surprise = receipt.lot_tracking_asn_line_ids.filtered(lambda ln: not ln.announced)
        self.assertEqual(surprise.lot_id.id, result["lot_id"])
        self.assertEqual((surprise.state, surprise.quantity_received), ("unannounced", 2.0))
        self.assertIn("does not announce", receipt.message_ids[0].body)
        self.assertIn("SURPRISE", receipt.lot_tracking_asn_difference)
        self.assertEqual(cheese_line.state, "partial")
        # validated with 3 of 5 cheese: short
        self._validate(receipt)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(cheese_line.state, "short")
        difference = receipt.lot_tracking_asn_difference
        self.assertIn("3", difference)
        self.assertIn("5", difference)
        self.assertEqual(len(difference.splitlines()), 2)  # cheese (short, expiry), surprise
        self.assertIn("differ from the shipping notice", receipt.message_ids[0].body)
        self.assertEqual(yogurt_line.lot_id.receipt_picking_id, receipt)
        self.assertEqual(yogurt_line.state, "confirmed")

    def test_capture_from_query_document_with_uom(self):
        """An EPCISQueryDocument is taken too; a quantity in a convertible unit is converted."""
        kilo = self.env.ref("uom.product_uom_kgm")
        flour = self._create_lot_product(
            "Flour", "2000000000039", uom_id=kilo.id, uom_po_id=kilo.id
        )
        receipt = self._purchase([(flour, 10, 1.0)])
        event = self._event([], order=receipt.purchase_id)
        event["quantityList"] = [
            {"epcClass": self._class(flour, "F/1"), "quantity": 2500, "uom": "GRM"}
        ]
        document = {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISQueryDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-20T08:05:00.000Z",
            "epcisBody": {
                "queryResults": {
                    "queryName": "SimpleEventQuery",
                    "resultsBody": {"eventList": [event]},
                }
            },
        }
        self.assert_epcis_document(document)
        self.capture(document)
        [line] = receipt.lot_tracking_asn_line_ids
        self.assertEqual((line.lot_id.supplier_lot_code, line.quantity), ("F/1", 2.5))

    # ------------------------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------------------------
    def _refused(self, document, pointer=None, text=None):
        before = self._state()
        problem = self.assert_problem(
            self.capture(document, status=400), 400, "ValidationException"
        )
        self.assertTrue(problem["errors"])
        if pointer:
            self.assertIn(pointer, [error["pointer"] for error in problem["errors"]])
        if text:
            self.assertIn(text, json.dumps(problem["errors"]))
        self.assertEqual(self._state(), before)
        return problem

    def test_refused_documents_leave_nothing(self):
        valid = self._notice()
        unknown_order = self._document([self._event([(self.yogurt, "Y-1", 1)])])
        unknown_order["epcisBody"]["eventList"][0]["bizTransactionList"][0]["bizTransaction"] = (
            f"urn:epcglobal:cbv:bt:{COMPANY_GLN}:P99999"
        )
        stranger = self._create_lot_product("Stranger", "2000000000046")
        cases = {
            "unknown order": (unknown_order, "/epcisBody/eventList/0/bizTransactionList", "P99999"),
            "unknown GTIN": (
                self._document(
                    [
                        self._event([(self.yogurt, "Y-1", 1)])
                        | {
                            "quantityList": [
                                {
                                    "epcClass": digital_link.lot_uri("09506000134352", "X"),
                                    "quantity": 1,
                                }
                            ]
                        }
                    ]
                ),
                "/epcisBody/eventList/0/quantityList/0/epcClass",
                "09506000134352",
            ),
            "product not on the order": (
                self._document([self._event([(stranger, "S-1", 1)])]),
                "/epcisBody/eventList/0/quantityList/0/epcClass",
                "not on purchase order",
            ),
            "order already received": (
                self._document([self._event([(self.yogurt, "Y-9", 1)], order=self.purchase)]),
                "/epcisBody/eventList/0/bizTransactionList",
                "no receipt waiting",
            ),
            "known lot with another expiry": (
                self._document(
                    [self._event([(self.yogurt, "SUP/1", 3)])],
                    {(self.yogurt, "SUP/1"): self._in_days(99)},
                ),
                "/epcisBody/eventList/0/quantityList/0",
                "already known with expiry",
            ),
            "negative quantity": (
                self._document([self._event([(self.yogurt, "Y-1", -4)])]),
                "/epcisBody/eventList/0/quantityList/0/quantity",
                None,
            ),
            "no purchase order": (
                self._document([self._event([(self.yogurt, "Y-1", 1)], bizTransactionList=[])]),
                "/epcisBody/eventList/0/bizTransactionList",
                None,
            ),
            "time without zone": (
                self._document(
                    [self._event([(self.yogurt, "Y-1", 1)], eventTime="2026-11-20T08:00:00")]
                ),
                "/epcisBody/eventList/0/eventTime",
                None,
            ),
            "aggregation event": (
                self._document(
                    [{**self._event([(self.yogurt, "Y-1", 1)]), "type": "AggregationEvent"}]
                ),
                "/epcisBody/eventList/0/type",
                None,
            ),
            "ilmd on an observation": (
                self._document([self._event([(self.yogurt, "Y-1", 1)], ilmd={})]),
                "/epcisBody/eventList/0/ilmd",
                None,
            ),
            "not a document": ([valid], "/", None),
            "no lot in the class": (
                self._document(
                    [
                        self._event([])
                        | {
                            "quantityList": [
                                {
                                    "epcClass": digital_link.gtin_uri(self.yogurt.barcode),
                                    "quantity": 1,
                                }
                            ]
                        }
                    ]
                ),
                "/epcisBody/eventList/0/quantityList/0/epcClass",
                "names no lot",
            ),
        }
        for name, (document, pointer, text) in cases.items():
            with self.subTest(name):
                self._refused(document, pointer, text)
        # every error of a document is listed, not only the first one
        both = self._document([self._event([(stranger, "S-1", 1), (self.yogurt, "Y-1", 1)])])
        both["epcisBody"]["eventList"][0]["quantityList"][1]["epcClass"] = digital_link.lot_uri(
            "09506000134352", "X"
        )
        self.assertEqual(len(self._refused(both)["errors"]), 2)
        # malformed JSON
        before = self._state()
        response = self.call("/epcis/capture", key=self.user_key, data=b'{"type": ', check=False)
        self.assert_problem(response, 400, "ValidationException")
        self.assertEqual(self._state(), before)

    def test_repeated_events_are_refused(self):
        document = self._notice()
        self.capture(document)
        problem = self._refused(document, "/epcisBody", "already captured")
        self.assertEqual(len(problem["errors"]), 2)  # both events
        self.assertEqual(self.asn_receipt.lot_tracking_asn_line_ids.mapped("quantity"), [12.0, 5.0])

    def test_capture_failing_halfway_leaves_nothing(self):
        """Lots prepared, lines written, then a failure: everything is undone."""
        before = self._state()
        with (
            patch.object(
                lot_tracking_capture._Plan,
                "post_notices",
                side_effect=RuntimeError("storage failed"),
            ),
            self.assertLogs("odoo.addons.lot_tracking.controllers.common", "ERROR"),
        ):
            response = self.capture(self._notice(), status=500)
        self.assert_problem(response, 500, "ImplementationException")
        self.assertEqual(self._state(), before)
        self.assertFalse(
            self.env["stock.lot"].search([("supplier_lot_code", "in", ("Y-1", "C-1"))])
        )
        # the model method itself is atomic too (a savepoint), outside any request
        with (
            patch.object(
                lot_tracking_capture._Plan, "post_notices", side_effect=RuntimeError("again")
            ),
            self.assertRaises(RuntimeError),
        ):
            self.env["lot.tracking.capture"].with_user(self.stock_user)._lot_tracking_capture(
                self._notice()
            )
        self.assertEqual(self._state(), before)

    def test_capture_http_errors(self):
        document = self._notice()
        self.assert_problem(self.call("/epcis/capture", body=document), 401, "SecurityException")
        self.assert_problem(
            self.call("/epcis/capture", key="wrong", body=document), 401, "SecurityException"
        )
        self.assert_problem(
            self.call("/epcis/capture", key=self.no_stock_key, body=document, check=False),
            403,
            "SecurityException",
        )
        self.assert_problem(
            self.call(
                "/epcis/capture",
                key=self.user_key,
                body=document,
                headers={"Content-Type": "text/plain"},
            ),
            415,
            "UnsupportedMediaTypeException",
        )
        self.assert_problem(
            self.call(
                "/epcis/capture",
                key=self.user_key,
                body=document,
                headers={"GS1-Capture-Error-Behaviour": "proceed"},
            ),
            400,
            "ValidationException",
        )
        before = self._state()
        big = json.dumps(document).encode() + b" " * (8 * 1024 * 1024)
        self.assert_problem(
            self.call("/epcis/capture", key=self.user_key, data=big),
            413,
            "CaptureLimitExceededException",
        )
        self.assertEqual(self._state(), before)
        self.assert_problem(
            self.call("/epcis/capture/999999", key=self.user_key),
            404,
            "NoSuchResourceException",
        )

    def test_post_to_a_get_route_answers_the_api_shape(self):
        response = self.call(
            "/lot_tracking/api/v1/lots", key=self.user_key, data=b"{}", check=False
        )
        self.assert_error(response, 405, "method_not_allowed")
        self.assertIn("GET", response.headers["Allow"])
        response = self.call("/epcis/events", key=self.user_key, data=b"{}", check=False)
        self.assert_problem(response, 405, "ImplementationException")
        response = self.opener.get(self.base_url() + "/epcis/capture", timeout=30)
        self.assert_problem(response, 405, "ImplementationException")
        self.assertIn("POST", response.headers["Allow"])

    def test_scan_without_notice_is_unchanged(self):
        """A receipt without a shipping notice gets no notice lines from scans."""
        self.asn_receipt.lot_tracking_scan(
            self._label(self.yogurt, "PLAIN", self._in_days(30), **{"37": 1})
        )
        self.assertFalse(self.asn_receipt.lot_tracking_asn_line_ids)
        self.assertFalse(self.asn_receipt.lot_tracking_asn_difference)
