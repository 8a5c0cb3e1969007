"""Unit tests of the pure-Python GS1 parser (no database needed)."""

import datetime
import string
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import gs1

GS = "\x1d"
GTIN = "09506000134352"
TODAY = datetime.date(2025, 6, 15)


def parse(barcode):
    return gs1.parse(barcode, today=TODAY)


@tagged("post_install", "-at_install")
class TestParse(BaseCase):
    def test_gs1_128_with_symbology_identifier(self):
        result = parse("]C1" + "01" + GTIN + "17251231" + "10ABC123")
        self.assertEqual(result, {"01": GTIN, "17": datetime.date(2025, 12, 31), "10": "ABC123"})

    def test_symbology_identifiers_and_leading_gs(self):
        for prefix in ("]C1", "]d2", "]Q3", "]e0", GS, "]d2" + GS, "  ]Q3"):
            with self.subTest(prefix=prefix):
                self.assertEqual(
                    parse(prefix + "01" + GTIN + "10LOT1\n"), {"01": GTIN, "10": "LOT1"}
                )

    def test_human_readable_day_zero(self):
        result = parse(f"(01){GTIN}(10)LOT1(17)260200")
        self.assertEqual(result, {"01": GTIN, "10": "LOT1", "17": datetime.date(2026, 2, 28)})
        self.assertEqual(parse("(17)280200")["17"], datetime.date(2028, 2, 29))

    def test_sscc(self):
        self.assertEqual(parse("(00)106141411234567897"), {"00": "106141411234567897"})
        self.assertEqual(parse("00106141411234567897"), {"00": "106141411234567897"})

    def test_gtin_of_contained_items_and_count(self):
        result = parse("02" + GTIN + "3724" + GS + "10LOT")
        self.assertEqual(result, {"02": GTIN, "37": 24, "10": "LOT"})

    def test_count_then_gs_then_lot(self):
        result = parse("01" + GTIN + "3012" + GS + "10LOT" + GS + "21SN-1")
        self.assertEqual(result, {"01": GTIN, "30": 12, "10": "LOT", "21": "SN-1"})

    def test_net_weight(self):
        self.assertEqual(parse("01" + GTIN + "3103001250"), {"01": GTIN, "310": Decimal("1.250")})
        self.assertEqual(parse("3100001250")["310"], Decimal("1250"))
        self.assertEqual(str(parse("(3102)001250")["310"]), "12.50")
        self.assertEqual(parse("3105123456")["310"], Decimal("1.23456"))

    def test_dates(self):
        result = parse("11250101" + "13250102" + "15250103" + "17250104")
        expected = {
            ai: datetime.date(2025, 1, day) for day, ai in enumerate("11 13 15 17".split(), 1)
        }
        self.assertEqual(result, expected)

    def test_century_rule(self):
        cases = [
            (2025, "760101", 1976),
            (2025, "750101", 2075),
            (2070, "200101", 2120),
            (2070, "210101", 2021),
            (2099, "000101", 2100),
            (2000, "510101", 1951),
            (2000, "500101", 2050),
        ]
        for current_year, value, year in cases:
            with self.subTest(current_year=current_year, value=value):
                result = gs1.parse("17" + value, today=datetime.date(current_year, 6, 1))
                self.assertEqual(result["17"], datetime.date(year, 1, 1))

    def test_today_defaults_to_current_date(self):
        year = datetime.date.today().year
        self.assertEqual(gs1.parse(f"17{year % 100:02d}0101"), {"17": datetime.date(year, 1, 1)})

    def test_separators_tolerated(self):
        # GS after a fixed-length AI and at the very end
        self.assertEqual(parse("01" + GTIN + GS + "10A" + GS), {"01": GTIN, "10": "A"})

    def test_lot_with_special_characters(self):
        lot = "A-1/2_b.%&'()*+,:;<=>?"[:20]
        self.assertEqual(parse("10" + lot), {"10": lot})
        self.assertEqual(parse("10" + "X" * 20)["10"], "X" * 20)


@tagged("post_install", "-at_install")
class TestParseLabels(BaseCase):
    """The labels suppliers print: every valid one is read, whatever else it carries."""

    def test_labels_of_the_first_truck(self):
        lot = {"01": GTIN, "10": "L1"}
        cases = [
            (f"(01){GTIN}(10)L1(400)PO-4711", {**lot, "400": "PO-4711"}),
            (f"(01){GTIN}(10)L1(422)528", {**lot, "422": "528"}),
            (f"(01){GTIN}(10)L1(91)INT-7(99)ZZ", {**lot, "91": "INT-7", "99": "ZZ"}),
            (f"(01){GTIN}(10)L1(240)ALT-1", {**lot, "240": "ALT-1"}),
            (
                f"(01){GTIN}(10)L1(7003)2512311430",
                {**lot, "7003": datetime.datetime(2025, 12, 31, 14, 30)},
            ),
            (f"(01){GTIN}(10)L1(3301)001250", {**lot, "3301": "001250"}),
            (f"(01){GTIN}(10)L1(410)9501101020016", {**lot, "410": "9501101020016"}),
            (f"(01){GTIN}(10)L1(16)251120", {**lot, "16": datetime.date(2025, 11, 20)}),
            (f"(01){GTIN}(10)L1(3922)1299", {**lot, "3922": "1299"}),
            (
                f"https://id.gs1.org/01/{GTIN}/10/L1?17=251231&3103=001500",
                {**lot, "17": datetime.date(2025, 12, 31), "310": Decimal("1.500")},
            ),
            (
                f"01{GTIN}15251130" + "10L1" + GS + "422528",
                {**lot, "15": datetime.date(2025, 11, 30), "422": "528"},
            ),
            (
                f"01{GTIN}17251231" + "10L1" + GS + "3724",
                {**lot, "17": datetime.date(2025, 12, 31), "37": 24},
            ),
        ]
        for barcode, expected in cases:
            with self.subTest(barcode=barcode):
                self.assertEqual(parse(barcode), expected)

    def test_digital_link(self):
        self.assertEqual(
            parse(f"https://example.com/gs1/01/{GTIN}/10/AB%2F12?17=260228"),
            {"01": GTIN, "10": "AB/12", "17": datetime.date(2026, 2, 28)},
        )
        for uri in ("https://example.com/products/42", f"https://id.gs1.org/01/{GTIN[:-1]}3"):
            with self.subTest(uri=uri), self.assertRaises(gs1.GS1Error):
                parse(uri)

    def test_human_readable_form(self):
        self.assertEqual(gs1.hri("01" + GTIN + "10L1" + GS + "3724"), f"(01){GTIN}(10)L1(37)24")
        self.assertEqual(gs1.hri(f"(01){GTIN}(10)L1"), f"(01){GTIN}(10)L1")
        self.assertEqual(gs1.hri("not" + GS + "gs1"), "not gs1")


@tagged("post_install", "-at_install")
class TestParseErrors(BaseCase):
    def _assert_error(self, barcode, message):
        with self.assertRaises(gs1.GS1Error) as context:
            parse(barcode)
        self.assertEqual(str(context.exception), message)

    def test_bad_gtin_check_digit(self):
        self._assert_error(
            "0109506000134353", "GTIN 09506000134353 has an invalid check digit (expected 2)"
        )
        self._assert_error(
            "(02)09506000134350", "GTIN 09506000134350 has an invalid check digit (expected 2)"
        )

    def test_bad_sscc_check_digit(self):
        self._assert_error(
            "00106141411234567890",
            "SSCC 106141411234567890 has an invalid check digit (expected 7)",
        )

    def test_invalid_dates(self):
        self._assert_error("17251332", "AI 17: 251332 is not a valid date")
        self._assert_error("17250032", "AI 17: 250032 is not a valid date")
        # Only the day may be 00, never the month
        self._assert_error("17260000", "AI 17: 260000 is not a valid date (month 0)")
        self._assert_error(
            "(11)250230", "AI 11: 250230 is not a valid date (day 30, 2025-02 has 28 days)"
        )
        self._assert_error("(7003)2502281360", "AI 7003: 2502281360 is not a valid time (13:60)")
        self._assert_error("1725013", "AI 17: 25013 is not a valid date")
        self._assert_error("1725-1-1", "AI 17: 25-1-1 is not a valid date")

    def test_truncated_gtin(self):
        self._assert_error("011234", "AI 01 has an invalid value: '1234'")
        self._assert_error("(01)1234", "AI 01 has an invalid value: '1234'")
        self._assert_error("(01)095060001343520", "AI 01 has an invalid value: '095060001343520'")
        self._assert_error("010950600013" + GS + "10A", "AI 01 has an invalid value: '0950600013'")

    def test_lot_too_long(self):
        self._assert_error("10" + "A" * 21, "Unknown application identifier or invalid data at 'A'")
        self._assert_error(
            "(10)" + "A" * 21, "AI 10 has an invalid value: 'AAAAAAAAAAAAAAAAAAAA'..."
        )

    def test_empty(self):
        for barcode in ("", "   ", " \n\t", None):
            with self.subTest(barcode=barcode):
                self._assert_error(barcode, "Empty barcode")
        for barcode in ("]C1", GS, "]d2" + GS):
            with self.subTest(barcode=barcode):
                self._assert_error(barcode, "Barcode contains no data")

    def test_empty_fields(self):
        self._assert_error("(10)(21)X", "AI 10 is empty")
        self._assert_error("21", "AI 21 has an invalid value: ''")
        self._assert_error("(01)", "AI 01 is empty")

    def test_garbage(self):
        self._assert_error("hello", "Unknown application identifier or invalid data at 'hello'")
        self._assert_error("]E0" + "4006381333931", "Unsupported symbology identifier ']E0'")
        self._assert_error("]C", "Unsupported symbology identifier ']C'")
        for barcode in ("(01", "()", "(0(1)"):
            with self.subTest(barcode=barcode), self.assertRaises(gs1.GS1Error):
                parse(barcode)
        self._assert_error(
            "01" + GTIN + "(10)A", "Unknown application identifier or invalid data at '(10)A'"
        )
        self._assert_error(12345, "A barcode must be a string, got int")

    def test_messages_quote_little_of_a_label(self):
        with self.assertRaises(gs1.GS1Error) as context:
            parse("X" * 500)
        self.assertLess(len(str(context.exception)), 100)

    def test_repeated_ai(self):
        self._assert_error("10A" + GS + "10B", "AI 10 appears more than once")
        self._assert_error(f"(01){GTIN}(01){GTIN}", "AI 01 appears more than once")
        self._assert_error("3102001250" + "3103001250", "AI 310 appears more than once")

    def test_control_character_inside_lot(self):
        self._assert_error(
            "10AB\x04C", "Unknown application identifier or invalid data at '\\x04C'"
        )
        self._assert_error("21A B", "Unknown application identifier or invalid data at ' B'")
        self._assert_error("(10)ABÉ", "AI 10 has an invalid value: 'ABÉ'")

    def test_bad_counts(self):
        self._assert_error("3012A", "Unknown application identifier or invalid data at 'A'")
        self._assert_error("(37)\u0661\u0662", "AI 37 needs up to 8 digits, got '\u0661\u0662'")

    def test_textual_separators_rejected(self):
        message = "The GS separator must be sent as ASCII 29, not as '<GS>' or '~'"
        self._assert_error("10ABC<GS>21123", message)
        self._assert_error("10ABC~21123", message)


@tagged("post_install", "-at_install")
class TestGtin(BaseCase):
    def test_check_digit(self):
        self.assertEqual(gs1.gtin_check_digit("0950600013435"), 2)
        self.assertEqual(gs1.gtin_check_digit("400638133393"), 1)  # EAN-13
        self.assertEqual(gs1.gtin_check_digit("03600029145"), 2)  # UPC-A
        self.assertEqual(gs1.gtin_check_digit("9638507"), 4)  # EAN-8
        self.assertEqual(gs1.gtin_check_digit("10614141123456789"), 7)  # SSCC
        for value in ("", "12a", None):
            with self.subTest(value=value), self.assertRaises(gs1.GS1Error):
                gs1.gtin_check_digit(value)

    def test_is_valid_gtin(self):
        for code in ("96385074", "036000291452", "4006381333931", GTIN):
            with self.subTest(code=code):
                self.assertTrue(gs1.is_valid_gtin(code))
        for code in ("96385075", "4006381333932", "09506000134353", "1234567890", "", None, 42):
            with self.subTest(code=code):
                self.assertFalse(gs1.is_valid_gtin(code))
        self.assertFalse(gs1.is_valid_gtin("095060001343520"))  # 15 digits
        self.assertFalse(gs1.is_valid_gtin(" 4006381333931"))

    def test_normalize_gtin(self):
        self.assertEqual(gs1.normalize_gtin("4006381333931"), "04006381333931")
        self.assertEqual(gs1.normalize_gtin("96385074"), "00000096385074")
        self.assertEqual(gs1.normalize_gtin("036000291452"), "00036000291452")
        self.assertEqual(gs1.normalize_gtin(GTIN), GTIN)
        with self.assertRaisesRegex(gs1.GS1Error, r"invalid check digit \(expected 1\)"):
            gs1.normalize_gtin("4006381333930")
        with self.assertRaisesRegex(gs1.GS1Error, "A GTIN has 8, 12, 13 or 14 digits, got '123'"):
            gs1.normalize_gtin("123")


@tagged("post_install", "-at_install")
class TestBuild(BaseCase):
    def test_build_order_and_separators(self):
        data = {
            "21": "SN1",
            "10": "ABC123",
            "17": datetime.date(2025, 12, 31),
            "01": GTIN,
            "310": Decimal("12.50"),
        }
        barcode = gs1.build(data)
        self.assertEqual(
            barcode, "01" + GTIN + "17251231" + "3102001250" + "10ABC123" + GS + "21SN1"
        )
        self.assertEqual(parse(barcode), data)

    def test_build_weight(self):
        self.assertEqual(gs1.build({"310": Decimal("12.5")}), "3101000125")
        self.assertEqual(gs1.build({"310": 7}), "3100000007")
        self.assertEqual(gs1.build({"310": Decimal("1E+2")}), "3100000100")

    def test_build_errors(self):
        cases = [
            ({}, "Nothing to build"),
            ({"99": "X"}, "Cannot build application identifier '99'"),
            ({"3102": "001250"}, "Cannot build application identifier '3102'"),
            ({"01": "09506000134353"}, "invalid check digit"),
            ({"17": "251231"}, "AI 17 needs a date, got '251231'"),
            ({"10": "A" * 21}, "longer than 20"),
            ({"10": 12}, "AI 10 needs a string, got 12"),
            ({"30": -1}, "AI 30 needs a non-negative integer, got -1"),
            ({"30": 123456789}, "longer than 8"),
            ({"310": Decimal("1.000001")}, "at most 5 decimals"),
            ({"310": Decimal("1000000")}, "does not fit in 6 digits"),
            ({"310": 1.5}, "AI 310 needs a non-negative Decimal, got 1.5"),
        ]
        for data, message in cases:
            with self.subTest(data=data), self.assertRaisesRegex(gs1.GS1Error, message):
                gs1.build(data)


def _with_check_digit(digits):
    return digits + str(gs1.gtin_check_digit(digits))


def _digits(size):
    return st.text(alphabet=string.digits, min_size=size, max_size=size)


# Dates whose two-digit year parses back to the same century with TODAY (2025)
DATES = st.dates(min_value=datetime.date(1976, 1, 1), max_value=datetime.date(2075, 12, 31))
TEXTS = st.text(alphabet=gs1.CSET82, min_size=1, max_size=20)
COUNTS = st.integers(min_value=0, max_value=99_999_999)
WEIGHTS = st.builds(
    lambda digits, decimals: Decimal(digits).scaleb(-decimals),
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=0, max_value=5),
)
FIELDS = {
    "00": _digits(17).map(_with_check_digit),
    "01": _digits(13).map(_with_check_digit),
    "02": _digits(13).map(_with_check_digit),
    "10": TEXTS,
    "11": DATES,
    "13": DATES,
    "15": DATES,
    "17": DATES,
    "21": TEXTS,
    "30": COUNTS,
    "37": COUNTS,
    "310": WEIGHTS,
}
DATA = st.fixed_dictionaries({}, optional=FIELDS).filter(bool)
PREFIXES = st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0", GS, "]C1" + GS, " "])
# Characters that reach deep into the parser
NEAR_MISS = st.text(alphabet=string.digits + "()]CdQe<>~ AZaz-" + GS + "\x00\n\x1e", max_size=60)


@tagged("post_install", "-at_install")
class TestProperties(BaseCase):
    @settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(DATA, PREFIXES)
    def test_round_trip(self, data, prefix):
        self.assertEqual(parse(prefix + gs1.build(data)), data)

    @settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text())
    def test_random_text_only_raises_gs1_error(self, text):
        self._parse_or_gs1_error(text)

    @settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(NEAR_MISS)
    def test_near_miss_text_only_raises_gs1_error(self, text):
        self._parse_or_gs1_error(text)

    @settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(DATA, st.data())
    def test_mutated_barcode_only_raises_gs1_error(self, data, draw):
        barcode = gs1.build(data)
        index = draw.draw(st.integers(min_value=0, max_value=len(barcode)))
        replacement = draw.draw(st.sampled_from(["", "0", "9", GS, "(", "A"]))
        self._parse_or_gs1_error(barcode[:index] + replacement + barcode[index + 1 :])

    @settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_digits(13), st.integers(min_value=0, max_value=13), st.integers(1, 9))
    def test_check_digit_detects_single_digit_errors(self, digits, index, delta):
        gtin = _with_check_digit(digits)
        self.assertTrue(gs1.is_valid_gtin(gtin))
        wrong = gtin[:index] + str((int(gtin[index]) + delta) % 10) + gtin[index + 1 :]
        self.assertFalse(gs1.is_valid_gtin(wrong))

    def _parse_or_gs1_error(self, barcode):
        try:
            result = parse(barcode)
        except gs1.GS1Error:
            return
        self.assertIsInstance(result, dict)
        self.assertTrue(result)
