"""Webhooks: new lot events POSTed to a subscriber with an HMAC-SHA256 signature, retried with
backoff, switched off after repeated failures, logged. The subscriber is a local HTTP server on
127.0.0.1 started by the test (it stops by itself); nothing leaves the machine."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..models import lot_tracking_webhook
from .common import LotTrackingCommon

SERVER_LIFETIME = 120  # seconds: the subscriber stops by itself even if a test hangs


class _Subscriber:
    """An HTTP server on 127.0.0.1 that records what it receives and answers the statuses
    it is told to (200 once the list is used up)."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                subscriber.requests.append((dict(self.headers), body))
                status = subscriber.statuses.pop(0) if subscriber.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/lots"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.timer = threading.Timer(SERVER_LIFETIME, self.stop)
        self.timer.daemon = True

    def start(self):
        self.thread.start()
        self.timer.start()
        return self

    def stop(self):
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestWebhook(LotTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls._stock_lot(cls.yogurt, "WH-1", 10, days=20)
        cls.other_company = cls.env["res.company"].create({"name": "Webhook Other Co"})
        cls.other_lot = cls.env["stock.lot"].create(
            {"name": "WH-OTHER", "product_id": cls.yogurt.id, "company_id": cls.other_company.id}
        )

    def setUp(self):
        super().setUp()
        self.subscriber = _Subscriber().start()
        self.addCleanup(self.subscriber.stop)
        self.webhook = (
            self.env["lot.tracking.webhook"]
            .with_user(self.manager)
            .create({"name": "3PL", "url": self.subscriber.url})
        )

    def deliver(self):
        self.env["lot.tracking.webhook"]._cron_lot_tracking_deliver()

    def test_new_events_are_posted_signed(self):
        self.lot._lot_tracking_log("quarantined", note="before the subscription")
        self.webhook.cursor = self.webhook._current_cursor()
        self.lot._lot_tracking_log("received", quantities={self.lot.id: 4})
        self.lot._lot_tracking_log("shipped", quantities={self.lot.id: 1})
        self.other_lot._lot_tracking_log("received", quantities={self.other_lot.id: 9})
        self.env.ref("lot_tracking.ir_cron_lot_tracking_webhooks").method_direct_trigger()
        [(headers, body)] = self.subscriber.requests
        expected = hmac.new(self.webhook.secret.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Lot-Tracking-Signature"], f"sha256={expected}")
        payload = json.loads(body)
        self.assertEqual(payload["delivery"], headers["X-Lot-Tracking-Delivery"])
        # only the new events, of the webhook's company, in feed order
        self.assertEqual([e["type"] for e in payload["events"]], ["received", "shipped"])
        self.assertEqual({e["lot"]["name"] for e in payload["events"]}, {"WH-1"})
        [delivery] = self.webhook.delivery_ids
        self.assertEqual(
            (delivery.state, delivery.status_code, delivery.event_count), ("success", 200, 2)
        )
        # nothing new: nothing sent
        self.deliver()
        self.assertEqual(len(self.subscriber.requests), 1)
        self.lot._lot_tracking_log("recalled")
        self.deliver()
        self.assertEqual(
            [e["type"] for e in json.loads(self.subscriber.requests[1][1])["events"]], ["recalled"]
        )

    def test_failures_back_off_then_switch_off(self):
        self.lot._lot_tracking_log("received", quantities={self.lot.id: 4})
        self.subscriber.statuses = [503] * lot_tracking_webhook.MAX_FAILURES
        for attempt in range(1, lot_tracking_webhook.MAX_FAILURES):
            self.deliver()
            self.assertEqual(self.webhook.failure_count, attempt)
            delay = self.webhook.next_attempt - fields.Datetime.now()
            expected = lot_tracking_webhook.backoff(attempt)
            self.assertAlmostEqual(delay.total_seconds(), expected.total_seconds(), delta=5)
            self.deliver()  # not due yet: nothing sent
            self.assertEqual(len(self.subscriber.requests), attempt)
            self.webhook.next_attempt = fields.Datetime.now() - datetime.timedelta(seconds=1)
        self.deliver()
        self.assertFalse(self.webhook.active)
        self.assertIn("Switched off", self.webhook.message_ids[0].body)
        self.assertEqual(
            self.webhook.delivery_ids.mapped("state"),
            ["failed"] * lot_tracking_webhook.MAX_FAILURES,
        )
        self.assertEqual(self.webhook.delivery_ids[0].status_code, 503)
        # each retry sent the same events
        self.assertEqual(
            len({body for __, body in self.subscriber.requests}), len(self.subscriber.requests)
        )
        events = {json.dumps(json.loads(b)["events"]) for __, b in self.subscriber.requests}
        self.assertEqual(len(events), 1)
        # switched off: nothing more is sent; switched on: resumes where it stopped
        self.deliver()
        self.assertEqual(len(self.subscriber.requests), lot_tracking_webhook.MAX_FAILURES)
        self.webhook.with_user(self.manager).active = True
        self.assertEqual(self.webhook.failure_count, 0)
        self.deliver()
        self.assertEqual(self.webhook.delivery_ids.sorted("id")[-1].state, "success")
        self.assertEqual(
            json.loads(self.subscriber.requests[-1][1])["events"][0]["type"], "received"
        )

    def test_unreachable_subscriber_is_logged(self):
        port = self.subscriber.server.server_address[1]
        self.subscriber.stop()  # nothing listens on the port any more
        self.lot._lot_tracking_log("received", quantities={self.lot.id: 4})
        self.deliver()
        [delivery] = self.webhook.delivery_ids
        self.assertEqual(delivery.state, "failed")
        self.assertFalse(delivery.status_code)
        self.assertIn(str(port), delivery.error)
        self.assertEqual(self.webhook.failure_count, 1)

    def test_epcis_payload_and_type_filter(self):
        self.webhook.write({"payload_format": "epcis", "event_types": "received, scanned"})
        self.lot._lot_tracking_log("scanned")  # no EPCIS meaning: skipped, not sent
        self.deliver()
        self.assertFalse(self.subscriber.requests)
        self.lot._lot_tracking_log("received", quantities={self.lot.id: 4})
        self.lot._lot_tracking_log("shipped", quantities={self.lot.id: 1})  # filtered out
        self.deliver()
        [(__, body)] = self.subscriber.requests
        document = json.loads(body)
        self.assertEqual(document["type"], "EPCISDocument")
        self.assertEqual([e["bizStep"] for e in document["epcisBody"]["eventList"]], ["receiving"])

    def test_only_managers_read_and_configure(self):
        with self.assertRaises(AccessError):
            self.env["lot.tracking.webhook"].with_user(self.stock_user).search([])
        with self.assertRaises(AccessError):
            self.env["lot.tracking.webhook.delivery"].with_user(self.stock_user).search([])
        self.assertEqual(
            self.env["lot.tracking.webhook"].with_user(self.manager).search([]), self.webhook
        )
        for url in ("ftp://example.com/x", "not a url", "http://"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.webhook.url = url
        with self.assertRaises(ValidationError):
            self.webhook.event_types = "received, teleported"
