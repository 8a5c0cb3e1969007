import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import epcis
from .lot_tracking_event import EVENT_TYPES

_logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Lot-Tracking-Signature"
DELIVERY_HEADER = "X-Lot-Tracking-Delivery"
BATCH_SIZE = 100  # events per POST
TIMEOUT = 10  # seconds per POST
MAX_FAILURES = 8  # consecutive failed deliveries before a subscription is switched off
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=6)
LOG_DAYS = 30  # days the delivery log is kept


def sign(secret, body):
    """``sha256=<hex>``: HMAC-SHA256 of the raw body with the subscription's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(failures):
    """Delay before the next attempt after ``failures`` consecutive failures: 1, 2, 4…
    minutes, at most 6 hours."""
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), BACKOFF_MAX)


class LotTrackingWebhook(models.Model):
    """A company's subscription to its lot events: new events are POSTed to ``url`` in
    batches, in the feed's commit-safe order, signed with the secret."""

    _name = "lot.tracking.webhook"
    _description = "Lot Tracking Webhook"
    _inherit = ["mail.thread"]
    _order = "company_id, name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    url = fields.Char("URL", required=True, tracking=True)
    secret = fields.Char(
        required=True,
        copy=False,
        default=lambda self: secrets.token_hex(32),
        help="Key of the HMAC-SHA256 signature sent in the X-Lot-Tracking-Signature header.",
    )
    payload_format = fields.Selection(
        [("feed", "Lot events (API event feed)"), ("epcis", "EPCIS 2.0 document")],
        default="feed",
        required=True,
    )
    event_types = fields.Char(
        help="Comma-separated event types to send (received, shipped, recalled, …); empty: "
        "all of them."
    )
    cursor = fields.Char(
        copy=False, readonly=True, help="Position in the event feed of the last event sent."
    )
    failure_count = fields.Integer("Consecutive Failures", copy=False, readonly=True)
    next_attempt = fields.Datetime(copy=False, readonly=True)
    last_success = fields.Datetime(copy=False, readonly=True)
    delivery_ids = fields.One2many("lot.tracking.webhook.delivery", "webhook_id", "Deliveries")

    @api.constrains("url")
    def _check_url(self):
        for webhook in self:
            parts = urlsplit(webhook.url or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    self.env._(
                        "%(url)s is not a web address: give the subscriber's http(s) URL.",
                        url=webhook.url,
                    )
                )

    @api.constrains("event_types")
    def _check_event_types(self):
        known = {value for value, __ in EVENT_TYPES}
        for webhook in self:
            if unknown := set(webhook._types() or ()) - known:
                raise ValidationError(
                    self.env._(
                        "Unknown event types: %(types)s. Use %(known)s.",
                        types=", ".join(sorted(unknown)),
                        known=", ".join(sorted(known)),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        """A new subscription starts with the events to come, not the whole history."""
        webhooks = super().create(vals_list)
        for webhook in webhooks.filtered(lambda w: not w.cursor):
            webhook.cursor = webhook._current_cursor()
        return webhooks

    def write(self, vals):
        if vals.get("active"):
            # switched on again: retry at once, with a clean failure count
            vals = {**vals, "failure_count": 0, "next_attempt": False}
        return super().write(vals)

    def _types(self):
        self.ensure_one()
        return [t.strip() for t in (self.event_types or "").split(",") if t.strip()] or None

    def _domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id)]
        if types := self._types():
            domain.append(("event_type", "in", types))
        return domain

    def _current_cursor(self):
        """The position of the newest event visible now: the feed goes on from there."""
        self.ensure_one()
        Event = self.env["lot.tracking.event"].sudo()
        position = (0, 0)
        while True:
            __, positions = Event._lot_tracking_feed(self._domain(), position, 1000)
            if len(positions) < 1000:
                return epcis.encode_token(positions[-1] if positions else position)
            position = positions[-1]

    def action_regenerate_secret(self):
        self.secret = secrets.token_hex(32)

    # ------------------------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_lot_tracking_deliver(self):
        """Send each due subscription its next batch of events; a full batch means more
        are waiting: the cron is run again (``_notify_progress``)."""
        Delivery = self.env["lot.tracking.webhook.delivery"].sudo()
        Delivery.search(
            [("create_date", "<", fields.Datetime.now() - datetime.timedelta(days=LOG_DAYS))],
            limit=10000,
        ).unlink()
        now = fields.Datetime.now()
        # every company's subscriptions: each one reads only its own company's events
        webhooks = self.sudo().search(
            ["|", ("next_attempt", "=", False), ("next_attempt", "<=", now)]
        )
        more = 0
        for webhook in webhooks:
            if webhook._deliver_batch():
                more += 1
        self.env["ir.cron"]._notify_progress(done=len(webhooks), remaining=more)

    def _deliver_batch(self):
        """POST the next events after the cursor. Returns True when a full batch was sent
        (more may be waiting)."""
        self.ensure_one()
        Event = self.env["lot.tracking.event"].sudo().with_company(self.company_id)
        after = epcis.decode_token(self.cursor, 2) if self.cursor else (0, 0)
        events, positions = Event._lot_tracking_feed(self._domain(), after, BATCH_SIZE)
        if not events:
            return False
        delivery_uid = str(uuid.uuid4())
        payload = self._payload(events, delivery_uid)
        if payload is None:  # nothing of EPCIS meaning in this batch
            self.cursor = epcis.encode_token(positions[-1])
            return len(events) == BATCH_SIZE
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Odoo lot_tracking webhook",
            SIGNATURE_HEADER: sign(self.secret, body),
            DELIVERY_HEADER: delivery_uid,
        }
        start = time.monotonic()
        status, error = 0, False
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=TIMEOUT)
            status = response.status_code
            if not 200 <= status < 300:
                error = self.env._(
                    "HTTP %(status)s: %(text)s", status=status, text=response.text[:200]
                )
        except requests.RequestException as exception:
            error = str(exception)[:500]
        vals = {
            "webhook_id": self.id,
            "uid": delivery_uid,
            "event_count": len(events),
            "first_event_id": events[0].id,
            "last_event_id": events[-1].id,
            "status_code": status or False,
            "duration_ms": int((time.monotonic() - start) * 1000),
            "attempt": self.failure_count + 1,
        }
        if not error:
            self.env["lot.tracking.webhook.delivery"].create({**vals, "state": "success"})
            self.write(
                {
                    "cursor": epcis.encode_token(positions[-1]),
                    "failure_count": 0,
                    "next_attempt": False,
                    "last_success": fields.Datetime.now(),
                }
            )
            return len(events) == BATCH_SIZE
        self.env["lot.tracking.webhook.delivery"].create(
            {**vals, "state": "failed", "error": error}
        )
        self._delivery_failed(error)
        return False

    def _delivery_failed(self, error):
        failures = self.failure_count + 1
        if failures >= MAX_FAILURES:
            self.write({"active": False, "failure_count": failures, "next_attempt": False})
            self._message_log(
                body=self.env._(
                    "Switched off after %(count)s failed deliveries in a row. Last error: "
                    "%(error)s. Fix the subscriber, then switch the webhook on again: it "
                    "resumes where it stopped.",
                    count=failures,
                    error=error,
                )
            )
            _logger.warning("Lot Tracking webhook %s switched off: %s", self.id, error)
            return
        self.write(
            {
                "failure_count": failures,
                "next_attempt": fields.Datetime.now() + backoff(failures),
            }
        )

    def _payload(self, events, delivery_uid):
        """The JSON sent for ``events`` (None when the EPCIS format has nothing to send)."""
        if self.payload_format == "epcis":
            document = self.env["lot.tracking.epcis"]._document(events)
            return document if document["epcisBody"]["eventList"] else None
        return {
            "delivery": delivery_uid,
            "webhook": self.id,
            "company": {"id": self.company_id.id, "name": self.company_id.name},
            "events": self.env["lot.tracking.api"]._event_values(events),
        }
