"""Unit tests of the pure-Python identifier and EPCIS helpers (no database needed)."""

import datetime

from jsonschema import Draft202012Validator

from odoo.tests import BaseCase, tagged

from ..tools import digital_link, epcis, gs1, openapi

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
