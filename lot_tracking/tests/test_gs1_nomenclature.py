import datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from ..tools import gs1


@tagged("post_install", "-at_install")
class TestGs1AgreesWithOdoo(TransactionCase):
    """The pure parser and Odoo's GS1 nomenclature (plus our AI 11 rule) read labels alike."""

    def test_same_reading_as_the_gs1_nomenclature(self):
        nomenclature = self.env.ref("barcodes_gs1_nomenclature.default_gs1_nomenclature")
        today = datetime.date.today()
        labels = [
            {"01": "09506000134352", "17": today.replace(day=1), "10": "ABC-1"},
            {"01": "02000000000015", "11": datetime.date(2026, 3, 4), "37": 12, "10": "L9"},
            {"01": "02000000000022", "15": datetime.date(2027, 1, 31), "30": 5},
            {"00": "106141411234567897"},
            {"01": "02000000000046", "310": Decimal("1.250"), "21": "SN-77"},
        ]
        for data in labels:
            barcode = gs1.build(data)
            with self.subTest(barcode=barcode):
                ours = gs1.parse(barcode)
                odoo = nomenclature.parse_nomenclature_barcode(barcode)
                self.assertTrue(odoo, "Odoo's nomenclature reads the label")
                theirs = {}
                for part in odoo:
                    ai = part["ai"][:3] if part["ai"].startswith("31") else part["ai"]
                    theirs[ai] = part["value"]
                self.assertEqual(set(theirs), set(ours))
                for ai, value in ours.items():
                    other = theirs[ai]
                    if isinstance(value, datetime.date):
                        other = other.date() if isinstance(other, datetime.datetime) else other
                    elif isinstance(value, Decimal):
                        value = float(value)
                    elif isinstance(value, int):
                        other = int(other)
                    self.assertEqual(value, other, f"AI {ai}")

    def test_odoo_reads_the_production_date_with_our_rule(self):
        nomenclature = self.env.ref("barcodes_gs1_nomenclature.default_gs1_nomenclature")
        parts = nomenclature.parse_nomenclature_barcode("0109506000134352" + "11260304" + "10X")
        self.assertEqual(
            [(p["ai"], p["type"]) for p in parts],
            [("01", "product"), ("11", "production_date"), ("10", "lot")],
        )
