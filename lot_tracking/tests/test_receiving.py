from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import format_date

from ..tools import gs1
from .common import LotTrackingCommon


@tagged("post_install", "-at_install")
class TestReceiving(LotTrackingCommon):
    def test_validated_receipt_creates_one_lot_per_move_with_twin(self):
        receipt = self._purchase([(self.yogurt, 10, 7.5), (self.cheese, 4, 12.25)])
        self._validate(receipt)
        self.assertEqual(receipt.state, "done")
        lines = receipt.move_line_ids
        self.assertEqual(len(lines.lot_id), 2, "one lot per move")
        for line, price in zip(
            lines.sorted(lambda ml: ml.product_id.name), (12.25, 7.5), strict=True
        ):
            lot = line.lot_id
            self.assertTrue(lot.name.startswith("L"), lot.name)
            self.assertEqual(lot.supplier_id, self.supplier)
            self.assertEqual(lot.receipt_picking_id, receipt)
            self.assertTrue(lot.receipt_date)
            self.assertEqual(lot.standard_price, price)
            self.assertEqual(lot.quality_state, "released")
            self.assertTrue(lot.is_sellable)
            received = lot.event_ids.filtered(lambda e: e.event_type == "received")
            self.assertEqual(received.picking_id, receipt)
            self.assertEqual(received.quantity, line.quantity)
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.yogurt,
                self.stock_location,
                lines.lot_id.filtered(lambda lot: lot.product_id == self.yogurt),
            ),
            10,
        )

    def test_category_sequence_names_the_lots(self):
        sequence = self.env["ir.sequence"].create(
            {"name": "Dairy lots", "prefix": "DAIRY-", "padding": 3, "number_next": 7}
        )
        self.stock_account_product_categ.lot_sequence_id = sequence
        receipt = self._validate(self._purchase([(self.yogurt, 2, 1.0), (self.cheese, 2, 1.0)]))
        self.assertEqual(
            sorted(receipt.move_line_ids.lot_id.mapped("name")), ["DAIRY-007", "DAIRY-008"]
        )

    def test_standard_price_product_lot_costs_the_standard_price(self):
        category = self.stock_account_product_categ.copy({"property_cost_method": "standard"})
        product = self._create_lot_product(
            "Butter", "2000000000039", categ_id=category.id, standard_price=4.0
        )
        receipt = self._validate(self._purchase([(product, 3, 9.0)]))
        self.assertEqual(receipt.move_line_ids.lot_id.standard_price, 4.0)

    def test_foreign_currency_purchase_converted_like_core(self):
        currency = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        receipt = self._validate(self._purchase([(self.yogurt, 5, 30.0)], currency=currency))
        lot = receipt.move_line_ids.lot_id
        self.assertAlmostEqual(lot.standard_price, 15.0)
        layer = receipt.move_ids.stock_valuation_layer_ids
        self.assertAlmostEqual(layer.unit_cost, lot.standard_price)

    def test_typed_lot_name_gets_the_twin_too(self):
        receipt = self._purchase([(self.cheese, 3, 2.0)])
        receipt.move_line_ids.lot_name = "TYPED-1"
        self._validate(receipt)
        lot = receipt.move_line_ids.lot_id
        self.assertEqual(lot.name, "TYPED-1")
        self.assertEqual((lot.supplier_id, lot.receipt_picking_id), (self.supplier, receipt))


@tagged("post_install", "-at_install")
class TestGs1Scan(LotTrackingCommon):
    def test_scan_creates_lot_with_label_data_and_adds_quantity(self):
        receipt = self._purchase([(self.yogurt, 10, 3.0)])
        expiry = self._in_days(60)
        produced = self._in_days(-2)
        label = self._label(self.yogurt, "SUP-A1", expiry, **{"11": produced, "37": 4})
        result = receipt.lot_tracking_scan("]C1" + label)
        lot = self.env["stock.lot"].browse(result["lot_id"])
        self.assertEqual(lot.supplier_lot_code, "SUP-A1")
        self.assertEqual(lot.expiration_date.date(), expiry)
        self.assertEqual(lot.production_date, produced)
        self.assertEqual(lot.supplier_id, self.supplier)
        self.assertNotEqual(lot.name, "SUP-A1", "the lot is numbered by our sequence")
        line = receipt.move_line_ids.filtered(lambda ml: ml.lot_id == lot)
        self.assertEqual(line.quantity, 4)
        # The same case label again: normal, it adds.
        receipt.lot_tracking_scan(label)
        self.assertEqual(line.quantity, 8)
        self.assertEqual(len(receipt.move_line_ids.lot_id), 1)
        self.assertEqual(lot.event_ids.mapped("event_type"), ["scanned", "scanned"])
        self._validate(receipt)
        self.assertEqual(lot.product_qty, 8)
        self.assertIn("received", lot.event_ids.mapped("event_type"))

    def test_scanned_lots_follow_the_putaway_rules(self):
        """Every scanned lot goes where core would put it: the product's putaway rule."""
        fridge = self.env["stock.location"].create(
            {"name": "Fridge", "location_id": self.stock_location.id, "usage": "internal"}
        )
        self.env["stock.putaway.rule"].create(
            {
                "product_id": self.yogurt.id,
                "location_in_id": self.stock_location.id,
                "location_out_id": fridge.id,
                "company_id": self.company.id,
            }
        )
        receipt = self._purchase([(self.yogurt, 10, 3.0)])
        for code in ("PUT-1", "PUT-2", "PUT-3"):
            receipt.lot_tracking_scan(
                self._label(self.yogurt, code, self._in_days(40), **{"37": 2})
            )
        lines = receipt.move_line_ids.filtered("lot_id")
        self.assertEqual(len(lines), 3)
        self.assertEqual(lines.location_dest_id, fridge)
        self._validate(receipt)
        self.assertEqual(self.yogurt.with_context(location=fridge.id).qty_available, 6)

    def test_human_readable_scan_and_net_weight(self):
        kg = self.env.ref("uom.product_uom_kgm")
        gram = self.env.ref("uom.product_uom_gram")
        cheese = self._create_lot_product(
            "Cheese wheel", "2000000000046", uom_id=gram.id, uom_po_id=kg.id
        )
        receipt = self._purchase([(cheese, 5, 20.0)])
        expiry = self._in_days(90).strftime("%y%m%d")
        receipt.lot_tracking_scan(f"(01)02000000000046(17){expiry}(3102)001250(10)W-9")
        line = receipt.move_line_ids.filtered("lot_id")
        self.assertEqual(line.lot_id.supplier_lot_code, "W-9")
        self.assertAlmostEqual(line.product_uom_id._compute_quantity(line.quantity, kg), 12.5)

    def test_label_finds_the_product_whatever_length_its_barcode_has(self):
        """A label's GTIN-14 names the product whose barcode is the same GTIN written with
        8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13, GTIN-14), archived or not."""
        barcodes = [
            d + str(gs1.gtin_check_digit(d)) for d in ("2991234", "29912345678", "1299123456789")
        ]
        products = {
            barcode: self._create_lot_product(f"Form {len(barcode)}", barcode)
            for barcode in barcodes
        }
        receipt = self._purchase([(p, 2, 1.0) for p in [self.yogurt, *products.values()]])
        products[barcodes[1]].active = False
        for barcode, product in products.items():
            with self.subTest(barcode=barcode):
                label = self._label(product, f"F-{barcode}", self._in_days(30))
                self.assertEqual(gs1.parse(label)["01"], barcode.zfill(14))
                result = receipt.lot_tracking_scan(label)
                move = self.env["stock.move"].browse(result["move_id"])
                self.assertEqual(move.product_id, product)
                self.assertEqual(move.picking_id, receipt)
        # a product with that GTIN that is not on this receipt is not found
        elsewhere = self._create_lot_product("Not ordered", "2991234567897")
        with self.assertRaisesRegex(UserError, "No product of receipt .* 02991234567897"):
            receipt.lot_tracking_scan(self._label(elsewhere, "NO", self._in_days(30)))

    def test_product_on_two_purchase_lines_fills_the_first_then_the_second(self):
        """Labels go to the first line still open, and each lot costs its own line's price."""
        receipt = self._purchase([(self.yogurt, 2, 3.0), (self.yogurt, 5, 4.0)])
        first, second = receipt.move_ids
        self.assertEqual(len(receipt.move_ids), 2)
        lots = self.env["stock.lot"]
        for code, count in (("TWO-1", 2), ("TWO-2", 3)):
            result = receipt.lot_tracking_scan(
                self._label(self.yogurt, code, self._in_days(40), **{"37": count})
            )
            lots |= self.env["stock.lot"].browse(result["lot_id"])
        self.assertEqual(first.move_line_ids.filtered("picked").lot_id, lots[0])
        self.assertEqual(second.move_line_ids.filtered("picked").lot_id, lots[1])
        self.assertEqual(lots.mapped("standard_price"), [3.0, 4.0])

    def test_same_supplier_lot_code_reuses_the_lot(self):
        first = self._purchase([(self.yogurt, 2, 3.0)])
        label = self._label(self.yogurt, "SUP-B", self._in_days(40), **{"37": 2})
        first.lot_tracking_scan(label)
        self._validate(first)
        lot = first.move_line_ids.lot_id
        second = self._purchase([(self.yogurt, 3, 3.0)])
        second.lot_tracking_scan(label)
        self._validate(second)
        self.assertEqual(second.move_line_ids.lot_id, lot)
        self.assertEqual(lot.receipt_picking_id, first, "the twin keeps its first receipt")
        received = lot.event_ids.filtered(lambda e: e.event_type == "received")
        self.assertEqual(received.picking_id, first | second)
        self.assertEqual(lot.product_qty, 4)

    def test_other_supplier_same_code_is_another_lot(self):
        first = self._purchase([(self.yogurt, 1, 3.0)])
        first.lot_tracking_scan(self._label(self.yogurt, "X1", self._in_days(40)))
        other = self.env["res.partner"].create({"name": "Other Dairy"})
        second = self._purchase([(self.yogurt, 1, 3.0)], partner=other)
        second.lot_tracking_scan(self._label(self.yogurt, "X1", self._in_days(40)))
        self.assertNotEqual(first.move_line_ids.lot_id, second.move_line_ids.lot_id)

    def test_held_lot_received_again_stays_held_and_receiver_is_told(self):
        first = self._purchase([(self.yogurt, 1, 3.0)])
        label = self._label(self.yogurt, "SUP-H", self._in_days(40))
        first.lot_tracking_scan(label)
        self._validate(first)
        lot = first.move_line_ids.lot_id
        lot.with_user(self.manager)._lot_tracking_set_quality_state("blocked", note="lab")
        second = self._purchase([(self.yogurt, 1, 3.0)])
        second.lot_tracking_scan(label)
        self._validate(second)
        self.assertEqual(lot.quality_state, "blocked")
        self.assertIn(lot.name, second.message_ids[:1].body)
        self.assertIn("Blocked", second.message_ids[:1].body)

    def test_short_shelf_life_goes_to_quarantine(self):
        self.yogurt.receipt_min_shelf_life_days = 30
        receipt = self._purchase([(self.yogurt, 1, 3.0)])
        receipt.with_user(self.stock_user).lot_tracking_scan(
            self._label(self.yogurt, "SHORT", self._in_days(10))
        )
        lot = receipt.move_line_ids.lot_id
        self.assertEqual(lot.quality_state, "quarantine")
        self.assertFalse(lot.is_sellable)
        self.assertEqual(lot.sale_block_reason, "In quarantine")
        self.assertIn("quarantined", lot.event_ids.mapped("event_type"))
        self._validate(receipt)
        self.assertEqual(lot.quality_state, "quarantine", "never silently accepted")
        self.assertEqual(lot.product_qty, 1, "never lost")

    def test_repeated_serial_and_sscc_are_refused(self):
        receipt = self._purchase([(self.yogurt, 5, 3.0)])
        receipt.lot_tracking_scan(self._label(self.yogurt, "S", self._in_days(40), **{"21": "SN1"}))
        receipt.lot_tracking_scan(
            self._label(self.yogurt, "S", self._in_days(40), **{"00": "106141411234567897"})
        )
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "Serial SN1 .* already been scanned"):
            receipt.lot_tracking_scan(
                self._label(self.yogurt, "S", self._in_days(40), **{"21": "SN1"})
            )
        with self.assertRaisesRegex(UserError, "SSCC 106141411234567897 has already"):
            receipt.lot_tracking_scan(
                self._label(self.yogurt, "S", self._in_days(40), **{"00": "106141411234567897"})
            )
        self.assertEqual(self._snapshot(), before)

    def test_bad_labels_say_what_is_wrong_and_change_nothing(self):
        receipt = self._purchase([(self.yogurt, 5, 3.0)])
        expired = self._in_days(-1)
        bad = {
            "0109506000134353" + "10A": "invalid check digit",
            "0109506000134352" + "17261301" + "10A": "not a valid date",
            "0109506000134352" + "17250230" + "10A": "not a valid date",
            "0100012345678905" + "10A": "No product of receipt",
            self._label(self.cheese, "C1", self._in_days(40)): "No product of receipt",
            self._label(self.yogurt, "OLD", expired): "expired on",
            "0102000000000015": "no lot number",
            "10ABC": "no GTIN",
            "hello": "Unreadable GS1 label",
            "": "Unreadable GS1 label",
            self._label(self.yogurt, "P", self._in_days(5), **{"11": self._in_days(9)}): (
                "production date is after"
            ),
        }
        before = self._snapshot()
        for barcode, message in bad.items():
            with self.subTest(barcode=barcode), self.assertRaisesRegex(UserError, message):
                receipt.lot_tracking_scan(barcode)
        self.assertEqual(self._snapshot(), before)

    def test_labels_of_the_first_truck_are_all_received(self):
        """Every kind of label suppliers print is read; what the module uses is used."""
        self.yogurt.use_time = 0  # the product computes no best-before date of its own
        self.yogurt.removal_time = 0
        receipt = self._purchase([(self.yogurt, 100, 1.0)])
        gtin = gs1.normalize_gtin(self.yogurt.barcode)
        exp = self._in_days(40).strftime("%y%m%d")
        nl = self.env.ref("base.nl")
        labels = {
            "PO": (f"(01){gtin}(17){exp}(10)T-PO(400)PO-4711", {}),
            "ORIGIN": (f"(01){gtin}(17){exp}(10)T-ORIGIN(422)528", {"origin_country_id": nl}),
            "INTERNAL": (f"(01){gtin}(17){exp}(10)T-INTERNAL(91)A1(99)ZZ", {}),
            "ADDITIONAL": (f"(01){gtin}(17){exp}(10)T-ADDITIONAL(240)ALT-9", {}),
            "TIME": (f"(01){gtin}(10)T-TIME(7003){exp}1430", {}),
            "GROSS": (f"(01){gtin}(17){exp}(10)T-GROSS(3301)001250", {}),
            "SHIPTO": (f"(01){gtin}(17){exp}(10)T-SHIPTO(410)9501101020016", {}),
            "SELLBY": (f"(01){gtin}(17){exp}(10)T-SELLBY(16){exp}", {}),
            "PRICE": (f"(01){gtin}(17){exp}(10)T-PRICE(3922)1299", {}),
            "LINK": (f"https://id.gs1.org/01/{gtin}/10/T-LINK?17={exp}", {}),
            "BEST": (f"(01){gtin}(17){exp}(15){exp}(10)T-BEST", {}),
            "COUNT": (f"01{gtin}17{exp}10T-COUNT" + gs1.GS + "3712", {}),
        }
        expiry = fields.Datetime.to_datetime(self._in_days(40))
        end_of_day = expiry.replace(hour=23, minute=59, second=59)
        for code, (label, expected) in labels.items():
            with self.subTest(label=label):
                result = receipt.lot_tracking_scan(label)
                lot = self.env["stock.lot"].browse(result["lot_id"])
                self.assertEqual(lot.supplier_lot_code, f"T-{code}")
                self.assertEqual(
                    lot.expiration_date,
                    expiry.replace(hour=14, minute=30) if code == "TIME" else end_of_day,
                )
                self.assertEqual(result["quantity"], 12 if code == "COUNT" else 1)
                for field, value in expected.items():
                    self.assertEqual(lot[field], value)
        lots = receipt.move_line_ids.lot_id
        by_code = {lot.supplier_lot_code: lot for lot in lots}
        self.assertEqual(by_code["T-SELLBY"].removal_date, end_of_day)
        self.assertEqual(by_code["T-BEST"].use_date, end_of_day)
        self.assertFalse(by_code["T-PO"].origin_country_id)
        # the label's dates do not stop product_expiry computing the others (alerts, FEFO)
        for code in ("T-SELLBY", "T-BEST"):
            self.assertTrue(by_code[code].alert_date)
            self.assertEqual(by_code[code].alert_date, by_code["T-PO"].alert_date)
        self.assertEqual(by_code["T-BEST"].removal_date, by_code["T-PO"].removal_date)

    def test_scan_tells_what_it_did(self):
        """What the receipt screen shows after a scan: product, lot, quantity, expiry, state."""
        receipt = self._purchase([(self.yogurt, 5, 3.0)])
        expiry = self._in_days(40)
        result = receipt.lot_tracking_scan(self._label(self.yogurt, "FORM", expiry, **{"37": 5}))
        line = self.env["stock.move.line"].browse(result["move_line_id"])
        self.assertEqual(result["move_id"], line.move_id.id)
        # the lot shows on the line as Detailed Operations lists it (lot_name on receipts)
        self.assertEqual(line.lot_name, line.lot_id.name)
        self.assertEqual(result["quality_state"], "released")
        self.assertEqual(
            result["message"],
            f"Yogurt: lot {line.lot_id.name} (supplier lot FORM), +5.00 Units, expires "
            f"{format_date(self.env, expiry)}, Released",
        )

    def test_receipt_of_expired_goods_is_refused(self):
        receipt = self._purchase([(self.cheese, 2, 3.0)])
        receipt.move_line_ids.write({"lot_name": "OLD-1", "expiration_date": self._in_days(-3)})
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "expired on"):
            self._validate(receipt)
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(self._snapshot()[0:2], before[0:2])
