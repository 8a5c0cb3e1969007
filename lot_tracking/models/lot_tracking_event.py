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
    ("shipped", "Shipped"),
    ("returned", "Returned"),
    ("violation", "Violation"),
    ("expired", "Expired"),
    ("written_off", "Written off"),
    ("alert", "Alert"),
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
    pos_order_id = fields.Many2one("pos.order", index="btree_not_null")
    quantity = fields.Float(digits="Product Unit of Measure")
    note = fields.Text()
    # GS1 identifiers of a scanned unit or pallet: each may be received only once.
    gs1_serial = fields.Char("GS1 Serial (AI 21)", index="btree_not_null")
    sscc = fields.Char("SSCC (AI 00)", index="btree_not_null")

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
