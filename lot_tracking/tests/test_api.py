"""The lot API over real HTTP with real Odoo API keys."""

from urllib.parse import quote

from odoo.tests import tagged

from ..tools import digital_link
from .api_common import API, LotTrackingApiCommon


@tagged("post_install", "-at_install")
class TestApiAuth(LotTrackingApiCommon):
    def test_no_key(self):
        response = self.call(f"{API}/lots")
        self.assert_error(response, 401, "unauthorized")
        self.assertEqual(response.headers["WWW-Authenticate"], "Bearer")

    def test_wrong_key_and_wrong_scheme(self):
        self.assert_error(self.call(f"{API}/lots", key="0" * 40), 401, "unauthorized")
        self.assert_error(
            self.call(f"{API}/lots", headers={"Authorization": f"Basic {self.manager_key}"}),
            401,
            "unauthorized",
        )

    def test_revoked_key(self):
        key = self._key(self.manager)
        self.assertEqual(self.call(f"{API}/lots", key=key).status_code, 200)
        self.env["res.users.apikeys"].sudo().search(
            [("user_id", "=", self.manager.id), ("name", "=", "lt_manager integration")]
        )._remove()
        self.assert_error(self.call(f"{API}/lots", key=key), 401, "unauthorized")
        self.assertEqual(self.call(f"{API}/lots", key=self.user_key).status_code, 200)

    def test_expired_key(self):
        key = self._key(self.manager, expiration=self._past(1))
        self.assert_error(self.call(f"{API}/lots", key=key), 401, "unauthorized")

    def test_archived_user_key(self):
        key = self._key(self.stock_user)
        self.stock_user.active = False
        self.assert_error(self.call(f"{API}/lots", key=key), 401, "unauthorized")

    def test_browser_session_is_not_a_key(self):
        self.authenticate("admin", "admin")
        self.assert_error(self.call(f"{API}/lots"), 401, "unauthorized")

    def test_no_right_is_forbidden(self):
        self.assert_error(self.call(f"{API}/lots", key=self.no_stock_key), 403, "forbidden")
        self.assert_error(self.call(f"{API}/events", key=self.no_stock_key), 403, "forbidden")

    def test_runs_as_the_keys_user(self):
        """The answer is what that user may see: only an inventory administrator sees the
        lot's cost in the trace."""
        administrator = self._create_user("lt_stock_admin", "stock.group_stock_manager")
        manager_trace = self.call(f"{API}/lots/{self.lot_a.id}/trace", key=self._key(administrator))
        user_trace = self.call(f"{API}/lots/{self.lot_a.id}/trace", key=self.user_key)
        self.assertEqual(manager_trace.json()["cost"]["unit_cost"], 2.0)
        self.assertIs(user_trace.json()["cost"], False)

    def test_other_company_lot_is_not_found(self):
        self.assert_error(
            self.call(f"{API}/lots/{self.other_lot.id}", key=self.manager_key), 404, "not_found"
        )
        for suffix in ("stock", "trace", "epcis"):
            self.assert_error(
                self.call(f"{API}/lots/{self.other_lot.id}/{suffix}", key=self.manager_key),
                404,
                "not_found",
            )
        ids = [lot["id"] for lot in self.call(f"{API}/lots", key=self.manager_key).json()["data"]]
        self.assertNotIn(self.other_lot.id, ids)
        # the other company's own user sees it, and not ours
        other_user = self._new_user_in(self.other_company, "lt_other")
        key = self._key(other_user)
        self.assertEqual(self.call(f"{API}/lots/{self.other_lot.id}", key=key).status_code, 200)
        self.assert_error(self.call(f"{API}/lots/{self.lot_a.id}", key=key), 404)

    def test_openapi_document_and_unknown_paths(self):
        document = self.openapi_document()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertIn("/epcis/events", document["paths"])
        self.assertIn(f"{API}/lots/{{lot_id}}/trace", document["paths"])
        response = self.call(f"{API}/nothing-here", key=self.manager_key, check=False)
        self.assert_error(response, 404, "not_found")

    def test_unknown_lot(self):
        for lot_id in (0, 999999999, 99999999999999, -3):
            self.assert_error(self.call(f"{API}/lots/{lot_id}", key=self.manager_key), 404)


@tagged("post_install", "-at_install")
class TestApiLots(LotTrackingApiCommon):
    def lots(self, query="", key=None):
        response = self.call(f"{API}/lots?{query}", key=key or self.manager_key)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def test_lot(self):
        response = self.call(f"{API}/lots/{self.lot_a.id}", key=self.user_key)
        self.assertEqual(response.status_code, 200)
        lot = response.json()
        self.assertEqual(lot["name"], self.lot_a.name)
        self.assertEqual(lot["lot_code"], "SUP/1")
        self.assertEqual(lot["product"]["gtin"], "02000000000015")
        self.assertEqual(lot["digital_link"], "https://id.gs1.org/01/02000000000015/10/SUP%2F1")
        self.assertEqual(lot["supplier"]["gln"], "4012345000009")
        self.assertEqual(lot["quantity_on_hand"], 6)
        self.assertEqual(lot["quality_state"], "released")
        self.assertTrue(lot["is_sellable"])
        self.assertEqual(lot["receipt"]["name"], self.receipt.name)
        self.assertTrue(lot["expiration_date"].endswith("Z"))

    def test_filters(self):
        self.lot_b._lot_tracking_set_quality_state("quarantine")
        ours = {self.lot_a.id, self.lot_b.id, self.lot_cheese.id}

        def ids(query):
            return {lot["id"] for lot in self.lots(query)["data"]} & ours

        self.assertEqual(ids("gtin=2000000000015"), {self.lot_a.id, self.lot_b.id})
        self.assertEqual(ids("gtin=02000000000015"), {self.lot_a.id, self.lot_b.id})
        self.assertEqual(ids(f"product_id={self.cheese.id}"), {self.lot_cheese.id})
        self.assertEqual(ids(f"supplier_id={self.supplier.id}"), ours)
        self.assertEqual(ids("state=quarantine"), {self.lot_b.id})
        before = self._in_days(20).isoformat()
        self.assertEqual(ids(f"expiring_before={before}&gtin=2000000000015"), {self.lot_a.id})
        self.assertEqual(
            ids(f"expiring_before={quote(before + 'T00:00:00+02:00')}&product_id={self.yogurt.id}"),
            {self.lot_a.id},
        )

    def test_cursor_pagination(self):
        seen, cursor, pages = [], None, 0
        while True:
            query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = self.lots(query)
            seen += [lot["id"] for lot in page["data"]]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(len(seen), len(set(seen)))
        everything = [lot["id"] for lot in self.lots("limit=200")["data"]]
        self.assertEqual(seen, everything)
        self.assertGreaterEqual(pages, 2)

    def test_bad_filters(self):
        """Malformed or hostile filter strings get a 400 and nothing else happens."""
        before = self._snapshot()
        for query in (
            "gtin=2000000000016",  # check digit
            "gtin=abc",
            "product_id=1%20OR%201=1",
            "product_id=-1",
            "product_id=99999999999999999999",
            "supplier_id=1;DROP%20TABLE%20stock_lot",
            "state=released'%20OR%20'1'='1",
            "state=%00",
            "expiring_before=tomorrow",
            "expiring_before=2026-01-01T00:00:00",  # no time zone
            "limit=0",
            "limit=100000",
            "limit=1e3",
            "cursor=garbage",
            "cursor=eyJrIjpbLTFdfQ",  # {"k": [-1]}
            "name=x",  # unknown parameter
            "state=released&state=blocked",
            "gtin=" + "9" * 3000,
        ):
            with self.subTest(query=query):
                self.assert_error(
                    self.call(f"{API}/lots?{query}", key=self.manager_key), 400, "invalid_request"
                )
        self.assertEqual(self._snapshot(), before)

    def test_lookup_by_gs1_string_and_digital_link(self):
        element_string = self._label(self.yogurt, "SUP/1")
        human = "(01)02000000000015(10)SUP-2"
        uri = digital_link.lot_uri("2000000000015", "SUP/1") + "?17=301231"
        for code, lot in ((element_string, self.lot_a), (human, self.lot_b), (uri, self.lot_a)):
            with self.subTest(code=code):
                response = self.call(
                    f"{API}/lots/lookup?code={quote(code, safe='')}", key=self.user_key
                )
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.json()["id"], lot.id)
        # the other company's lot with the same code is not seen
        self.assertNotEqual(
            self.call(f"{API}/lots/lookup?code={quote(uri, safe='')}", key=self.user_key).json()[
                "id"
            ],
            self.other_lot.id,
        )

    def test_lookup_errors(self):
        cases = (
            ("(01)02000000000015(10)NOPE", 404, "not_found"),
            ("(01)02000000000016(10)SUP-2", 400, "invalid_gs1"),
            ("(01)02000000000015", 400, "invalid_gs1"),
            ("https://id.gs1.org/01/02000000000015", 400, "invalid_gs1"),
            ("https://id.gs1.org/01/02000000000015/10/SUP%20X", 400, "invalid_gs1"),
            ("not a code", 400, "invalid_gs1"),
        )
        for code, status, error in cases:
            with self.subTest(code=code):
                self.assert_error(
                    self.call(f"{API}/lots/lookup?code={quote(code, safe='')}", key=self.user_key),
                    status,
                    error,
                )
        self.assert_error(self.call(f"{API}/lots/lookup", key=self.user_key), 400)

    def test_lookup_ambiguous(self):
        twin = self.env["stock.lot"].create(
            {"name": "TWIN", "supplier_lot_code": "SUP-2", "product_id": self.yogurt.id}
        )
        error = self.assert_error(
            self.call(
                f"{API}/lots/lookup?code={quote('(01)02000000000015(10)SUP-2')}", key=self.user_key
            ),
            409,
            "ambiguous",
        )
        self.assertIn(str(twin.id), error["message"])

    def test_stock(self):
        lot_stock = self.call(f"{API}/lots/{self.lot_a.id}/stock", key=self.user_key).json()
        self.assertEqual(
            [(row["location"]["id"], row["quantity"]) for row in lot_stock["data"]],
            [(self.stock_location.id, 6)],
        )
        self.assertEqual(lot_stock["data"][0]["location"]["warehouse"]["gln"], "5412345000020")
        rows = self.call(
            f"{API}/stock?location_id={self.warehouse.view_location_id.id}&product_id={self.yogurt.id}",
            key=self.user_key,
        ).json()["data"]
        self.assertEqual(
            sorted((row["lot"]["id"], row["quantity"]) for row in rows),
            sorted([(self.lot_a.id, 6), (self.lot_b.id, 4)]),
        )
        page = self.call(f"{API}/stock?gtin=2000000000015&limit=1", key=self.user_key).json()
        self.assertEqual(len(page["data"]), 1)
        second = self.call(
            f"{API}/stock?gtin=2000000000015&limit=1&cursor={page['next_cursor']}",
            key=self.user_key,
        ).json()
        self.assertNotEqual(second["data"][0]["id"], page["data"][0]["id"])
        self.assert_error(self.call(f"{API}/stock?lot_id=x", key=self.user_key), 400)

    def test_trace(self):
        self._ship(self.lot_a, 2)
        trace = self.call(f"{API}/lots/{self.lot_a.id}/trace", key=self.manager_key).json()
        self.assertEqual(trace["lot"]["id"], self.lot_a.id)
        self.assertEqual(trace["upstream"]["supplier"]["id"], self.supplier.id)
        self.assertEqual(trace["upstream"]["purchase_order"]["name"], self.purchase.name)
        self.assertEqual(trace["downstream"], [{"partner": "Corner Shop", "quantity": 2}])
        self.assertEqual(
            [(m["direction"], m["quantity"]) for m in trace["movements"]],
            [("upstream", 6), ("downstream", 2)],
        )
        self.assertEqual(trace["stock"][0]["quantity"], 4)
        self.assertIn("received", [event["type"] for event in trace["events"]])


@tagged("post_install", "-at_install")
class TestApiRecalls(LotTrackingApiCommon):
    def test_recall_lifecycle(self):
        self._ship(self.lot_a, 2)
        response = self.call(
            f"{API}/recalls",
            key=self.manager_key,
            body={"reason": "Listeria", "lots": [self._label(self.yogurt, "SUP/1")]},
        )
        self.assertEqual(response.status_code, 201, response.text)
        recall = response.json()
        self.assertEqual(response.headers["Location"], f"{API}/recalls/{recall['id']}")
        self.assertEqual(recall["state"], "draft")
        self.assertEqual([lot["id"] for lot in recall["lots"]], [self.lot_a.id])
        response = self.call(
            f"{API}/recalls/{recall['id']}/activate", key=self.manager_key, body={}
        )
        self.assertEqual(response.status_code, 200, response.text)
        active = response.json()
        self.assertEqual(active["state"], "active")
        self.assertEqual(self.lot_a.quality_state, "recalled")
        self.assertEqual(
            [(c["partner"]["id"], c["quantity"]) for c in active["affected_customers"]],
            [(self.customer.id, 2)],
        )
        self.assertEqual(
            [(s["location"]["id"], s["quantity"]) for s in active["affected_stock"]],
            [(self.stock_location.id, 4)],
        )
        # stock is left: closing is refused, nothing changes
        self.assert_error(
            self.call(f"{API}/recalls/{recall['id']}/close", key=self.manager_key, body={}),
            409,
            "conflict",
        )
        self.assertEqual(self.env["lot.tracking.recall"].browse(recall["id"]).state, "active")
        self.assert_error(
            self.call(f"{API}/recalls/{recall['id']}/activate", key=self.manager_key, body={}),
            409,
        )
        listed = self.call(f"{API}/recalls?state=active", key=self.user_key).json()
        self.assertIn(recall["id"], [r["id"] for r in listed["data"]])
        self.assertEqual(
            self.call(f"{API}/recalls/{recall['id']}", key=self.user_key).json()["state"], "active"
        )

    def test_recall_by_product_and_supplier(self):
        today = self._in_days(0).isoformat()
        response = self.call(
            f"{API}/recalls",
            key=self.manager_key,
            body={
                "reason": "Supplier alert",
                "product_id": self.yogurt.id,
                "supplier_id": self.supplier.id,
                "received_from": today,
                "received_to": today,
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(
            {lot["id"] for lot in response.json()["lots"]}, {self.lot_a.id, self.lot_b.id}
        )

    def test_stock_user_cannot_recall(self):
        recalls = self.env["lot.tracking.recall"].search_count([])
        self.assert_error(
            self.call(
                f"{API}/recalls",
                key=self.user_key,
                body={"reason": "x", "lot_ids": [self.lot_a.id]},
            ),
            403,
            "forbidden",
        )
        recall = self.env["lot.tracking.recall"].create(
            {"reason": "x", "lot_ids": [(6, 0, self.lot_a.ids)]}
        )
        self.assert_error(
            self.call(f"{API}/recalls/{recall.id}/activate", key=self.user_key, body={}),
            403,
            "forbidden",
        )
        self.assertEqual(recall.state, "draft")
        self.assertEqual(self.lot_a.quality_state, "released")
        self.assertEqual(self.env["lot.tracking.recall"].search_count([]), recalls + 1)

    def test_bad_recall_bodies(self):
        before = self._snapshot()
        recalls = self.env["lot.tracking.recall"].search_count([])
        cases = (
            (b"{not json", 400, "invalid_request"),
            (b"", 400, "invalid_request"),
            (b"\xff\xfe", 400, "invalid_request"),
            (b"[1, 2]", 400, "invalid_request"),
            (b'{"reason": ""}', 400, "invalid_request"),
            (b'{"reason": "x"}', 400, "invalid_request"),
            (b'{"reason": "x", "lot_ids": "1"}', 400, "invalid_request"),
            (b'{"reason": "x", "lot_ids": [true]}', 400, "invalid_request"),
            (b'{"reason": "x", "lot_ids": [99999999]}', 404, "not_found"),
            (f'{{"reason": "x", "lot_ids": [{self.other_lot.id}]}}'.encode(), 404, "not_found"),
            (b'{"reason": "x", "lots": ["(01)02000000000015(10)NOPE"]}', 404, "not_found"),
            (b'{"reason": "x", "lots": ["garbage"]}', 400, "invalid_gs1"),
            (b'{"reason": "x", "product_id": 1, "received_from": "soon"}', 400, "invalid_request"),
            (b'{"reason": "x", "lot_ids": [1], "sudo": true}', 400, "invalid_request"),
            (b'{"reason": "x\\u0000", "lot_ids": [1]}', 400, "invalid_request"),
        )
        for data, status, code in cases:
            with self.subTest(data=data):
                self.assert_error(
                    self.call(f"{API}/recalls", key=self.manager_key, data=data), status, code
                )
        self.assertEqual(self.env["lot.tracking.recall"].search_count([]), recalls)
        self.assertEqual(self._snapshot(), before)

    def test_oversized_body(self):
        recalls = self.env["lot.tracking.recall"].search_count([])
        reason = "x" * (1024 * 1024)
        body = {"reason": reason, "lot_ids": [self.lot_a.id]}
        self.assert_error(
            self.call(f"{API}/recalls", key=self.manager_key, body=body), 413, "payload_too_large"
        )
        recall = self.env["lot.tracking.recall"].create(
            {"reason": "x", "lot_ids": [(6, 0, self.lot_a.ids)]}
        )
        self.assert_error(
            self.call(f"{API}/recalls/{recall.id}/activate", key=self.manager_key, body=body),
            413,
        )
        self.assertEqual(recall.state, "draft")
        self.assertEqual(self.env["lot.tracking.recall"].search_count([]), recalls + 1)


@tagged("post_install", "-at_install")
class TestApiEventFeed(LotTrackingApiCommon):
    def feed(self, cursor=None, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        if cursor:
            query += f"&cursor={cursor}"
        response = self.call(f"{API}/events?{query}", key=self.user_key)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def read_all(self, cursor=None, **params):
        events = []
        while True:
            page = self.feed(cursor, limit=3, **params)
            events += page["data"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return events, cursor

    def test_feed_reads_everything_once_then_only_what_is_new(self):
        events, cursor = self.read_all()
        ids = [event["id"] for event in events]
        self.assertEqual(len(ids), len(set(ids)))
        ours = self.env["lot.tracking.event"].search(
            [("lot_id", "in", (self.lot_a | self.lot_b | self.lot_cheese).ids)]
        )
        self.assertLessEqual(set(ours.ids), set(ids))
        self.assertNotIn(
            self.other_company.id, {event["company"]["id"] for event in events if event["company"]}
        )
        # nothing new: same cursor back, empty page
        page = self.feed(cursor)
        self.assertEqual((page["data"], page["next_cursor"]), ([], cursor))
        self.lot_b._lot_tracking_set_quality_state("blocked", note="lab result")
        page = self.feed(cursor)
        self.assertEqual(
            [(e["type"], e["lot"]["id"]) for e in page["data"]], [("blocked", self.lot_b.id)]
        )
        self.assertEqual(page["data"][0]["note"], "lab result")

    def test_feed_filters(self):
        events, __ = self.read_all(type="received", lot_id=self.lot_a.id)
        self.assertEqual(
            [(e["type"], e["lot"]["id"]) for e in events], [("received", self.lot_a.id)]
        )
        self.assert_error(self.call(f"{API}/events?type=hacked", key=self.user_key), 400)
        self.assert_error(self.call(f"{API}/events?cursor=eyJrIjpbMV19", key=self.user_key), 400)
