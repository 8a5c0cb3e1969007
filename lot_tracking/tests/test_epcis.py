"""EPCIS 2.0 over real HTTP: CBV mapping, identifiers, filters, keyset pages, errors, and every
document checked against GS1's EPCIS 2.0 JSON Schema with formats."""

from urllib.parse import parse_qs, quote, urlsplit

from odoo.tests import tagged

from .api_common import API, LotTrackingApiCommon
from .common import LotTrackingCommon

LOT_A_URI = "https://id.gs1.org/01/02000000000015/10/SUP%2F1"
WAREHOUSE_URI = "https://id.gs1.org/414/5412345000020"


@tagged("post_install", "-at_install")
class TestEpcis(LotTrackingApiCommon):
    def query(self, params="", key=None, status=200):
        response = self.call(f"/epcis/events?{params}", key=key or self.user_key)
        self.assertEqual(response.status_code, status, response.text[:1000])
        if status == 200:
            self.assertEqual(response.headers["GS1-EPCIS-Version"], "2.0.0")
            self.assert_epcis_document(response.json())
        return response

    def events(self, params="", key=None):
        """Every event of the query, following the Link headers."""
        response = self.query(params, key)
        events = []
        while True:
            body = response.json()["epcisBody"]["queryResults"]["resultsBody"]
            events += body["eventList"]
            link = response.headers.get("Link")
            if not link:
                return events
            url = link[1 : link.index(">")]
            response = self.call(
                urlsplit(url).path + "?" + urlsplit(url).query, key=key or self.user_key
            )
            self.assertEqual(response.status_code, 200, response.text[:500])
            self.assert_epcis_document(response.json())

    def test_receipt_as_object_event(self):
        response = self.query(f"MATCH_anyEPCClass={quote(LOT_A_URI, safe='')}&EQ_bizStep=receiving")
        document = response.json()
        self.assertEqual(document["type"], "EPCISQueryDocument")
        results = document["epcisBody"]["queryResults"]
        self.assertEqual(results["queryName"], "SimpleEventQuery")
        [event] = results["resultsBody"]["eventList"]
        self.assertEqual(event["type"], "ObjectEvent")
        self.assertEqual(event["action"], "OBSERVE")
        self.assertEqual(event["bizStep"], "receiving")
        self.assertEqual(event["disposition"], "in_progress")
        self.assertEqual(event["quantityList"], [{"epcClass": LOT_A_URI, "quantity": 6}])
        self.assertEqual(event["bizLocation"], {"id": WAREHOUSE_URI})
        self.assertEqual(
            event["bizTransactionList"],
            [
                {
                    "type": "po",
                    "bizTransaction": f"urn:epcglobal:cbv:bt:5412345000013:{self.purchase.name}",
                }
            ],
        )
        self.assertEqual(
            event["sourceList"],
            [{"type": "owning_party", "source": "https://id.gs1.org/417/4012345000009"}],
        )
        self.assertEqual(
            event["destinationList"],
            [{"type": "owning_party", "destination": "https://id.gs1.org/417/5412345000013"}],
        )
        self.assertNotIn("ilmd", event)
        self.assertTrue(event["eventID"].startswith("urn:uuid:"))
        # the lot's master data rides along
        [vocabulary] = results["resultsBody"]["vocabularyList"]
        self.assertEqual(vocabulary["type"], "urn:epcglobal:epcis:vtype:EPCClass")
        [element] = vocabulary["vocabularyElementList"]
        self.assertEqual(element["id"], LOT_A_URI)
        attributes = {a["id"]: a["attribute"] for a in element["attributes"]}
        self.assertEqual(attributes["cbvmda:lotNumber"], "SUP/1")
        self.assertEqual(attributes["cbvmda:itemExpirationDate"], self._in_days(15).isoformat())

    def test_cbv_mapping_of_every_event(self):
        """Each lot event becomes the ObjectEvent readme/USAGE.md documents; every page
        validates against GS1's schema."""
        self._ship(self.lot_a, 2)
        self.lot_b._lot_tracking_set_quality_state("quarantine")
        self.lot_b._lot_tracking_set_quality_state("blocked")
        self.lot_b._lot_tracking_set_quality_state("released")
        self.lot_cheese._lot_tracking_log("sold", quantities={self.lot_cheese.id: 1})
        self.lot_cheese._lot_tracking_log("expired")
        self.env["lot.tracking.recall"].create(
            {"reason": "test", "lot_ids": [(6, 0, self.lot_a.ids)]}
        ).action_activate()
        self.company.lot_tracking_expiry_loss_account_id = self.company_data[
            "default_account_expense"
        ]
        self.lot_cheese.action_lot_tracking_write_off("spoiled")
        expected = {
            "received": ("receiving", "in_progress"),
            "shipped": ("shipping", "in_transit"),
            "quarantined": ("holding", "non_sellable_other"),
            "blocked": ("holding", "non_sellable_other"),
            "released": ("inspecting", "sellable_accessible"),
            "sold": ("retail_selling", "retail_sold"),
            "expired": ("holding", "expired"),
            "recalled": ("holding", "recalled"),
            "written_off": ("destroying", "destroyed"),
        }
        lots = self.lot_a | self.lot_b | self.lot_cheese
        classes = "|".join(
            quote(self.env["lot.tracking.api"]._lot_class_uri(lot), safe="") for lot in lots
        )
        events = self.events(f"MATCH_anyEPCClass={classes}&perPage=2")
        mine = self.env["lot.tracking.event"].search(
            [("lot_id", "in", lots.ids), ("event_type", "in", list(expected))]
        )
        self.assertEqual(len(events), len(mine))
        seen = {(event["bizStep"], event["disposition"]) for event in events}
        self.assertEqual(seen, set(expected.values()))
        shipping = [event for event in events if event["bizStep"] == "shipping"]
        self.assertEqual(shipping[0]["quantityList"][0]["quantity"], 2)
        self.assertEqual(shipping[0]["bizTransactionList"][0]["type"], "desadv")
        self.assertEqual(
            shipping[0]["destinationList"],
            [{"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000016"}],
        )
        # scans are not supply-chain events
        scanned = self.env["lot.tracking.event"].search_count(
            [("lot_id", "in", lots.ids), ("event_type", "=", "scanned")]
        )
        self.assertTrue(scanned)

    def test_filters(self):
        self._ship(self.lot_a, 1)
        self.lot_b._lot_tracking_set_quality_state("quarantine")
        ours = "|".join(quote(uri, safe="") for uri in (LOT_A_URI, self._uri(self.lot_b)))

        def steps(params):
            return sorted(
                (event["bizStep"], event["quantityList"][0]["epcClass"])
                for event in self.events(f"MATCH_anyEPCClass={ours}&{params}")
            )

        self.assertEqual(steps("EQ_bizStep=shipping"), [("shipping", LOT_A_URI)])
        self.assertEqual(
            steps("EQ_disposition=non_sellable_other"), [("holding", self._uri(self.lot_b))]
        )
        self.assertEqual(
            steps("EQ_disposition=https://ref.gs1.org/cbv/Disp-in_transit"),
            [("shipping", LOT_A_URI)],
        )
        self.assertEqual(steps("eventType=AggregationEvent"), [])
        self.assertEqual(len(steps("eventType=ObjectEvent|AggregationEvent")), 4)
        self.assertEqual(len(steps(f"EQ_bizLocation={quote(WAREHOUSE_URI)}")), 3)
        self.assertEqual(
            steps("EQ_bizLocation=urn:epc:id:sgln:541234.500002.0"),
            steps(f"EQ_bizLocation={quote(WAREHOUSE_URI)}"),
        )
        self.assertEqual(steps("EQ_bizLocation=https://id.gs1.org/414/4012345000009"), [])
        tomorrow = quote(f"{self._in_days(1).isoformat()}T00:00:00Z")
        self.assertEqual(steps(f"GE_eventTime={tomorrow}"), [])
        self.assertEqual(len(steps(f"LT_eventTime={tomorrow}")), 4)
        # LGTIN URN (company prefix 2000000, item reference 00001) and a whole GTIN
        lgtin = quote("urn:epc:class:lgtin:2000000.000001.SUP%2F1", safe="")
        self.assertEqual(
            sorted(e["bizStep"] for e in self.events(f"MATCH_anyEPCClass={lgtin}")),
            ["receiving", "shipping"],
        )
        gtin_uri = quote("https://id.gs1.org/01/02000000000015", safe="")
        self.assertEqual(len(self.events(f"MATCH_anyEPCClass={gtin_uri}")), 4)

    def test_keyset_pages(self):
        for __ in range(3):
            self.lot_b._lot_tracking_set_quality_state("quarantine")
            self.lot_b._lot_tracking_set_quality_state("released")
        uri = quote(self._uri(self.lot_b), safe="")
        everything = self.query(f"MATCH_anyEPCClass={uri}&perPage=1000").json()
        all_ids = [
            e["eventID"]
            for e in everything["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]
        self.assertEqual(len(all_ids), 7)
        first = self.query(f"MATCH_anyEPCClass={uri}&perPage=3")
        link = first.headers["Link"]
        self.assertTrue(link.endswith('>; rel="next"'))
        self.assertIn("nextPageToken=", link)
        paged = [e["eventID"] for e in self.events(f"MATCH_anyEPCClass={uri}&perPage=3")]
        self.assertEqual(paged, all_ids)
        # a token belongs to its query
        token = parse_qs(urlsplit(link[1 : link.index(">")]).query)["nextPageToken"][0]
        self.assert_problem(
            self.call(
                f"/epcis/events?EQ_bizStep=shipping&nextPageToken={token}", key=self.user_key
            ),
            400,
            "QueryParameterException",
        )
        last = self.query(f"MATCH_anyEPCClass={uri}&perPage=7")
        self.assertNotIn("Link", last.headers)

    def test_errors_are_epcis_problems(self):
        self.assert_problem(self.call("/epcis/events"), 401, "SecurityException")
        self.assert_problem(self.call("/epcis/events", key="nope"), 401, "SecurityException")
        expired = self._key(self.stock_user, expiration=self._past(1))
        self.assert_problem(self.call("/epcis/events", key=expired), 401, "SecurityException")
        self.assert_problem(
            self.call("/epcis/events", key=self.no_stock_key), 403, "SecurityException"
        )
        for params in (
            "GE_eventTime=yesterday",
            "GE_eventTime=2026-01-01T00:00:00",
            "perPage=0",
            "perPage=many",
            "MATCH_anyEPCClass=urn:epc:class:lgtin:1.2.3",
            "MATCH_anyEPCClass=https://id.gs1.org/01/02000000000016/10/X",
            "EQ_bizLocation=https://id.gs1.org/01/02000000000015",
            "nextPageToken=xyz",
            "MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017",
            "EQ_bizStep=%00",
        ):
            with self.subTest(params=params):
                self.assert_problem(
                    self.call(f"/epcis/events?{params}", key=self.user_key),
                    400,
                    "QueryParameterException",
                )
        self.assert_problem(
            self.call("/epcis/events", key=self.user_key, headers={"Accept": "application/xml"}),
            406,
            "NotAcceptableException",
        )

    def test_other_company_events_are_not_served(self):
        """Another company's lot with the same GTIN and printed lot code has the same EPC
        class: its events stay invisible."""
        self.other_lot._lot_tracking_log("received", quantities={self.other_lot.id: 99})
        self.assertEqual(self._uri(self.other_lot), LOT_A_URI)
        events = self.events(f"MATCH_anyEPCClass={quote(LOT_A_URI, safe='')}")
        self.assertEqual([e["quantityList"][0]["quantity"] for e in events], [6])

    def test_lot_as_epcis_document(self):
        """An EPCISDocument: the master data in epcisHeader.epcisMasterData, no ilmd."""
        response = self.call(f"{API}/lots/{self.lot_cheese.id}/epcis", key=self.user_key)
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assert_epcis_document(document)
        self.assertEqual(document["type"], "EPCISDocument")
        [vocabulary] = document["epcisHeader"]["epcisMasterData"]["vocabularyList"]
        attributes = {
            a["id"]: a["attribute"] for a in vocabulary["vocabularyElementList"][0]["attributes"]
        }
        self.assertEqual(attributes["cbvmda:countryOfOrigin"], "FR")
        self.assertEqual(attributes["gs1:productionDate"], self._in_days(-2).isoformat())
        events = document["epcisBody"]["eventList"]
        self.assertEqual([e["bizStep"] for e in events], ["receiving"])
        self.assertFalse([e for e in events if "ilmd" in e])

    def test_units_and_products_without_gtin(self):
        """A UN/CEFACT code where the unit has one; a product without GTIN still has a URI."""
        kilo = self.env.ref("uom.product_uom_kgm")
        flour = self._create_lot_product("Flour", False, uom_id=kilo.id, uom_po_id=kilo.id)
        receipt = self._purchase([(flour, 2.5, 1.0)])
        receipt.move_ids.move_line_ids.write({"lot_name": "FL/1", "quantity": 2.5, "picked": True})
        self._validate(receipt)
        lot = receipt.move_line_ids.lot_id
        response = self.call(f"{API}/lots/{lot.id}/epcis", key=self.user_key)
        document = response.json()
        self.assert_epcis_document(document)
        [quantity] = document["epcisBody"]["eventList"][0]["quantityList"]
        self.assertEqual(quantity["uom"], "KGM")
        self.assertEqual(quantity["quantity"], 2.5)
        self.assertTrue(quantity["epcClass"].endswith(f"/lot_tracking/api/v1/lots/{lot.id}"))
        self.assertNotIn(
            "uom",
            self.events(f"MATCH_anyEPCClass={quote(LOT_A_URI, safe='')}")[0]["quantityList"][0],
        )
        events = self.events(f"MATCH_anyEPCClass={quote(quantity['epcClass'], safe='')}")
        self.assertEqual([e["bizStep"] for e in events], ["receiving"])

    def _uri(self, lot):
        return self.env["lot.tracking.api"]._lot_class_uri(lot)


@tagged("post_install", "-at_install")
class TestEpcisQueryCount(LotTrackingCommon):
    """A page of EPCIS events costs the same queries for 1 event and for many, each on its
    own receipt with its own lot (no query per event, lot, receipt or order)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.gln = "5412345000013"
        cls.warehouse.gln = "5412345000020"
        cls.supplier.gln = "4012345000009"
        receipts = [cls._purchase([(cls.yogurt, 2, 1.0)]) for __ in range(12)]
        for number, receipt in enumerate(receipts):
            receipt.lot_tracking_scan(
                cls._label(cls.yogurt, f"QC-{number}", cls._in_days(30), **{"37": 2})
            )
            cls._validate(receipt)
        cls.lots = cls.env["stock.lot"].search([("supplier_lot_code", "=like", "QC-%")])

    def _page(self, lots):
        """Queries of one page (the query, the document), as a fresh request runs it."""
        Epcis = self.env["lot.tracking.epcis"].with_user(self.stock_user)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        events, __, __ = Epcis._query_events({"lot_ids": lots.ids}, (0, 0), 1000)
        document = Epcis._query_document(events)
        count = self.env.cr.sql_log_count - before
        return count, document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    def test_same_queries_for_1_and_12_events(self):
        self.assertEqual(len(self.lots), 12)
        self._page(self.lots[:1])  # warm caches (env.ref, units) like a running server
        one, events = self._page(self.lots[:1])
        self.assertEqual(len(events), 1)
        with self.assertQueryCount(one):
            many, events = self._page(self.lots)
        self.assertEqual(len(events), 12)
        self.assertEqual({e["bizTransactionList"][0]["type"] for e in events}, {"po"})
        self.assertEqual(len({e["bizTransactionList"][0]["bizTransaction"] for e in events}), 12)
        self.assertEqual(many, one, f"{one} queries for 1 event, {many} for 12")
