from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, index_exists

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
    ("corrected", "Corrected"),
    ("alert", "Alert"),
    ("counted", "Counted"),
]


class LotTrackingEvent(models.Model):
    """Append-only audit trail of what happened to a lot."""

    _name = "lot.tracking.event"
    _description = "Lot Tracking Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    # The trail outlives changes to its lot: product and company are kept as they were when the
    # event happened, and a lot with events cannot be deleted (see stock.lot).
    lot_id = fields.Many2one("stock.lot", required=True, index=True, ondelete="restrict")
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
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

    def init(self):
        # A scanned GS1 unit (serial) or pallet (SSCC) is received once per company, even when
        # two receipts scan it at the same moment: the database refuses the second.
        for name, columns, identifier in (
            ("lot_tracking_event_sscc_uniq", "company_id, sscc", "sscc"),
            (
                "lot_tracking_event_gs1_serial_uniq",
                "company_id, product_id, gs1_serial",
                "gs1_serial",
            ),
        ):
            if not index_exists(self.env.cr, name):
                self.env.cr.execute(
                    SQL(
                        "CREATE UNIQUE INDEX %s ON %s (%s) "
                        "WHERE event_type = 'scanned' AND %s IS NOT NULL",
                        SQL.identifier(name),
                        SQL.identifier(self._table),
                        SQL(columns),
                        SQL.identifier(identifier),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are written by the system only."))
        self._prepare_trail_vals(vals_list)
        return super().create(vals_list)

    @api.model
    def _prepare_trail_vals(self, vals_list):
        """Fix the product and company an event is filed under, once and for all: the lot's
        product; the company of its operation (receipt or POS order), else the lot's company,
        else the current one (lots shared between companies have none)."""
        # one read per model: the loop below finds them in the cache
        for model, key, fnames in (
            ("stock.picking", "picking_id", ["company_id"]),
            ("pos.order", "pos_order_id", ["company_id"]),
            ("stock.lot", "lot_id", ["product_id", "company_id"]),
        ):
            self.env[model].browse({vals[key] for vals in vals_list if vals.get(key)}).fetch(fnames)
        for vals in vals_list:
            lot = self.env["stock.lot"].browse(vals.get("lot_id"))
            if not vals.get("product_id"):
                vals["product_id"] = lot.product_id.id
            if not vals.get("company_id"):
                vals["company_id"] = (
                    self.env["stock.picking"].browse(vals.get("picking_id")).company_id
                    or self.env["pos.order"].browse(vals.get("pos_order_id")).company_id
                    or lot.company_id
                    or self.env.company
                ).id

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are an audit trail: they cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_trail(self):
        if not self.env.su:
            raise AccessError(self.env._("Lot events are an audit trail: they cannot be deleted."))
