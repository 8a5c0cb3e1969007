from odoo import fields, models


class LotTrackingWebhookDelivery(models.Model):
    """One attempt to POST a batch of events to a webhook: the log managers read."""

    _name = "lot.tracking.webhook.delivery"
    _description = "Lot Tracking Webhook Delivery"
    _order = "id desc"
    _rec_name = "uid"

    webhook_id = fields.Many2one(
        "lot.tracking.webhook", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="webhook_id.company_id", store=True, index=True)
    uid = fields.Char(
        "Delivery ID", readonly=True, help="Sent in the X-Lot-Tracking-Delivery header."
    )
    state = fields.Selection(
        [("success", "Delivered"), ("failed", "Failed")], required=True, readonly=True
    )
    attempt = fields.Integer(readonly=True)
    event_count = fields.Integer("Events", readonly=True)
    first_event_id = fields.Integer(readonly=True)
    last_event_id = fields.Integer(readonly=True)
    status_code = fields.Integer("HTTP Status", readonly=True)
    duration_ms = fields.Integer("Duration (ms)", readonly=True)
    error = fields.Char(readonly=True)
