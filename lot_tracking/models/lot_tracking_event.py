from odoo import api, fields, models
from odoo.exceptions import AccessError

EVENT_TYPES = [
    ("received", "Received"),
    ("scanned", "Scanned"),
    ("quarantined", "Quarantined"),
    ("released", "Released"),
    ("blocked", "Blocked"),
    ("recalled", "Recalled"),
    ("sold", "Sold"),
    ("violation", "Violation"),
    ("expired", "Expired"),
    ("written_off", "Written off"),
    ("alert", "Alert"),
    ("counted", "Counted"),
]


class LotTrackingEvent(models.Model):
    """Append-only audit trail of what happened to a lot."""

    _name = "lot.tracking.event"
    _description = "Lot Tracking Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    lot_id = fields.Many2one("stock.lot", required=True, index=True, ondelete="cascade")
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one(related="lot_id.company_id", store=True, index=True)
    event_type = fields.Selection(EVENT_TYPES, required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.uid)
    picking_id = fields.Many2one("stock.picking", index="btree_not_null")
    pos_order_id = fields.Many2one("pos.order", "PoS Order", index="btree_not_null")
    location_id = fields.Many2one(
        "stock.location", index="btree_not_null", help="Of a count: where the lot was counted."
    )
    quantity = fields.Float(digits="Product Unit of Measure")
    system_quantity = fields.Float(
        digits="Product Unit of Measure",
        help="Of a count: the quantity the system had just before the counted quantity was "
        "applied.",
    )
    note = fields.Text()
    # GS1 identifiers of a scanned unit or pallet: each may be received only once.
    gs1_serial = fields.Char("GS1 Serial (AI 21)", index="btree_not_null")
    sscc = fields.Char("SSCC (AI 00)", index="btree_not_null")

    @api.depends("event_type", "lot_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            event.display_name = self.env._(
                "%(event)s: %(lot)s", event=labels.get(event.event_type), lot=event.lot_id.name
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are written by the system only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are an audit trail: they cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are an audit trail: they cannot be deleted."))
        return super().unlink()
