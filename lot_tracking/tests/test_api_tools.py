"""Unit tests of the pure-Python identifier and EPCIS helpers (no database needed)."""

import datetime

from jsonschema import Draft202012Validator

from odoo.tests import BaseCase, tagged

from ..tools import digital_link, epcis, epcis_capture, gs1, openapi

GTIN = "09506000134352"


@tagged("post_install", "-at_install")
class TestDigitalLink(BaseCase):
    def test_lot_uri_percent_encodes_the_lot(self):
        self.assertEqual(
            digital_link.lot_uri("9506000134352", "AB/1 é"),
            "https://id.gs1.org/01/09506000134352/10/AB%2F1%20%C3%A9",
        )
        with self.assertRaises(gs1.GS1Error):
            digital_link.lot_uri("9506000134353", "X")

    def test_epc_class_round_trip(self):
        for lot in ("ABC", "A/B", "a%b", "(1)&<2>?"):
            with self.subTest(lot=lot):
                uri = digital_link.lot_uri(GTIN, lot)
                self.assertEqual(digital_link.parse_epc_class(uri), (GTIN, lot))

    def test_lgtin_urn(self):
        self.assertEqual(
            digital_link.parse_epc_class("urn:epc:class:lgtin:9506000.013435.L%2F7"),
            (GTIN, "L/7"),
        )
        for bad in (
            "urn:epc:class:lgtin:9506000.0134.L1",  # 11 digits
            "urn:epc:idpat:sgtin:9506000.013435.*",
            "https://id.gs1.org/414/9506000134352",
            "https://id.gs1.org/01/09506000134353/10/X",
            "",
        ):
            with self.subTest(bad=bad), self.assertRaises(gs1.GS1Error):
                digital_link.parse_epc_class(bad)

    def test_location(self):
        self.assertEqual(
            digital_link.parse_location("https://id.gs1.org/414/9506000134352"), "9506000134352"
        )
        self.assertEqual(
            digital_link.parse_location("urn:epc:id:sgln:950600.013435.0"), "9506000134352"
        )
        for bad in (
            "urn:epc:id:sgln:950600.013435.7",
            "https://id.gs1.org/414/9506000134353",
            "https://id.gs1.org/01/09506000134352",
        ):
            with self.subTest(bad=bad), self.assertRaises(gs1.GS1Error):
                digital_link.parse_location(bad)

    def test_gs1_code_reads_both_forms(self):
        today = datetime.date(2026, 1, 1)
        uri = f"https://example.com/shop/01/{GTIN}/10/L%2F1?17=261231"
        self.assertEqual(
            digital_link.parse_gs1_code(uri, today=today),
            {"01": GTIN, "10": "L/1", "17": datetime.date(2026, 12, 31)},
        )
        self.assertEqual(
            digital_link.parse_gs1_code(f"(01){GTIN}(10)L/1(17)261231", today=today),
            digital_link.parse_gs1_code(uri, today=today),
        )

    def test_gln(self):
        self.assertTrue(digital_link.is_valid_gln("9506000134352"))
        for bad in ("9506000134353", "950600013435", "95060001343520", "950600013435a", None):
            self.assertFalse(digital_link.is_valid_gln(bad))


@tagged("post_install", "-at_install")
class TestEpcisTools(BaseCase):
    def test_times(self):
        moment = datetime.datetime(2026, 3, 1, 8, 5, 9, 123456)
        self.assertEqual(epcis.format_time(moment), "2026-03-01T08:05:09.123Z")
        self.assertEqual(epcis.format_offset(datetime.timedelta(hours=-5, minutes=-30)), "-05:30")
        self.assertEqual(epcis.format_offset(datetime.timedelta(hours=1)), "+01:00")
        self.assertEqual(
            epcis.parse_time("2026-03-01T10:05:09.5+02:00"),
            datetime.datetime(2026, 3, 1, 8, 5, 9, 500000),
        )
        self.assertEqual(
            epcis.parse_time("2026-03-01T08:05:09Z"), datetime.datetime(2026, 3, 1, 8, 5, 9)
        )
        with self.assertRaises(ValueError):
            epcis.parse_time("2026-03-01T08:05:09")

    def test_tokens_are_bound_to_their_query(self):
        token = epcis.encode_token([12, 34], {"bizsteps": ["shipping"]})
        self.assertEqual(epcis.decode_token(token, 2, {"bizsteps": ["shipping"]}), [12, 34])
        for query in ({"bizsteps": ["receiving"]}, {}):
            with self.assertRaises(epcis.TokenError):
                epcis.decode_token(token, 2, query)
        for bad in ("", "!!", "bm90IGpzb24", epcis.encode_token([1]), epcis.encode_token([-1, 2])):
            with self.subTest(bad=bad), self.assertRaises(epcis.TokenError):
                epcis.decode_token(bad, 2)

    def test_cbv_terms(self):
        self.assertEqual(
            epcis.normalize_bizstep("https://ref.gs1.org/cbv/BizStep-shipping"), "shipping"
        )
        self.assertEqual(epcis.normalize_disposition("urn:epcglobal:cbv:disp:recalled"), "recalled")
        self.assertEqual(epcis.event_types_for({"holding"}, {"recalled"}), {"recalled"})
        self.assertEqual(
            epcis.event_types_for(None, {"non_sellable_other"}), {"quarantined", "blocked"}
        )

    def test_openapi_document_is_openapi_31(self):
        document = openapi.document()
        self.assertEqual(document["openapi"], "3.1.0")
        for name, schema in document["components"]["schemas"].items():
            with self.subTest(schema=name):
                Draft202012Validator.check_schema(schema)
        refs = set()

        def collect(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    refs.add(node["$ref"].rsplit("/", 1)[-1])
                for value in node.values():
                    collect(value)
            elif isinstance(node, list):
                for value in node:
                    collect(value)

        collect(document)
        self.assertLessEqual(refs, set(document["components"]["schemas"]))


@tagged("post_install", "-at_install")
class TestCaptureReader(BaseCase):
    """The capture's own structure checks (GS1's schema cannot ship with the module)."""

    def _document(self, events, header=None):
        document = {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-20T08:05:00Z",
            "epcisBody": {"eventList": events},
        }
        if header:
            document["epcisHeader"] = header
        return document

    def _shipping(self, epc_class, **values):
        return {
            "type": "ObjectEvent",
            "eventTime": "2026-11-20T08:00:00+01:00",
            "eventTimeZoneOffset": "+01:00",
            "action": "OBSERVE",
            "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
            "quantityList": [{"epcClass": epc_class, "quantity": 3.5, "uom": "KGM"}],
            "bizTransactionList": [
                {
                    "type": "urn:epcglobal:cbv:btt:po",
                    "bizTransaction": "urn:epcglobal:cbv:bt:5412345000013:P%2F0042",
                }
            ],
            **values,
        }

    def test_shipment_with_lgtin_and_master_data(self):
        urn = "urn:epc:class:lgtin:950600.0013435.L%2F1"
        header = {
            "epcisMasterData": {
                "vocabularyList": [
                    {
                        "type": epcis.VTYPE_EPC_CLASS,
                        "vocabularyElementList": [
                            {
                                "id": digital_link.lot_uri(GTIN, "L/1"),
                                "attributes": [
                                    {
                                        "id": "urn:epcglobal:cbv:mda#itemExpirationDate",
                                        "attribute": "2027-01-31",
                                    },
                                    {"id": "cbvmda:countryOfOrigin", "attribute": "fr"},
                                ],
                            }
                        ],
                    }
                ]
            }
        }
        notice = epcis_capture.read_document(self._document([self._shipping(urn)], header))
        [shipment] = notice.shipments
        self.assertEqual(shipment.order, ("name", "5412345000013", "P/0042"))
        [item] = shipment.items
        self.assertEqual((item.gtin, item.lot, item.quantity, item.uom), (GTIN, "L/1", 3.5, "KGM"))
        self.assertEqual(
            notice.master_data[GTIN, "L/1"],
            {"expiry": datetime.date(2027, 1, 31), "origin": "FR"},
        )

    def test_contradicting_expiries_are_refused(self):
        uri = digital_link.lot_uri(GTIN, "L1")
        commissioning = {
            **self._shipping(uri, action="ADD", bizStep="commissioning"),
            "ilmd": {"cbvmda:itemExpirationDate": "2027-02-01"},
        }
        commissioning.pop("bizTransactionList")
        commissioning2 = {**commissioning, "ilmd": {"cbvmda:itemExpirationDate": "2027-03-01"}}
        with self.assertRaises(epcis_capture.CaptureError) as caught:
            epcis_capture.read_document(
                self._document([commissioning, commissioning2, self._shipping(uri)])
            )
        self.assertIn("contradicts", str(caught.exception))

    def test_every_problem_is_reported(self):
        event = self._shipping(digital_link.gtin_uri(GTIN), eventTimeZoneOffset="1h")
        event["quantityList"].append({"epcClass": 7, "quantity": True})
        with self.assertRaises(epcis_capture.CaptureError) as caught:
            epcis_capture.read_document(self._document([event, "x"]))
        pointers = sorted(error["pointer"] for error in caught.exception.errors)
        self.assertEqual(
            pointers,
            [
                "/epcisBody/eventList/0/eventTimeZoneOffset",
                "/epcisBody/eventList/0/quantityList/0/epcClass",
                "/epcisBody/eventList/0/quantityList/1/epcClass",
                "/epcisBody/eventList/0/quantityList/1/quantity",
                "/epcisBody/eventList/1",
            ],
        )
