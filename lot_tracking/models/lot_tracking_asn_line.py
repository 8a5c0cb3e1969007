from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_compare, format_date
from odoo.tools.misc import formatLang

ASN_STATES = [
    ("expected", "Expected"),
    ("partial", "Partly scanned"),
    ("confirmed", "Confirmed"),
    ("short", "Short"),
    ("over", "More than announced"),
    ("unannounced", "Not announced"),
]


class LotTrackingAsnLine(models.Model):
    """A lot a supplier announced on a receipt (advance shipping notice), or one scanned on
    that receipt without being announced. One line per receipt and lot."""

    _name = "lot.tracking.asn.line"
    _description = "Lot Tracking Shipping Notice Line"
    _order = "picking_id, id"
    _rec_name = "lot_id"

    picking_id = fields.Many2one(
        "stock.picking", "Receipt", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="picking_id.company_id", store=True, index=True)
    capture_ids = fields.Many2many(
        "lot.tracking.capture", string="EPCIS Captures", readonly=True, copy=False
    )
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    lot_id = fields.Many2one("stock.lot", required=True, readonly=True, index=True)
    supplier_lot_code = fields.Char(related="lot_id.supplier_lot_code")
    announced = fields.Boolean(default=True, readonly=True)
    quantity = fields.Float("Announced Quantity", digits="Product Unit of Measure", readonly=True)
    expiration_date = fields.Datetime("Announced Expiry", readonly=True)
    label_expiration_date = fields.Datetime(
        "Expiry on the Label",
        readonly=True,
        help="Set when the label scanned on arrival gives another expiration date than the "
        "shipping notice; the lot takes the label's.",
    )
    quantity_received = fields.Float(
        "Scanned Quantity", digits="Product Unit of Measure", compute="_compute_received"
    )
    state = fields.Selection(ASN_STATES, compute="_compute_received")
    difference = fields.Char(compute="_compute_received")

    _sql_constraints = [
        (
            "picking_lot_unique",
            "UNIQUE(picking_id, lot_id)",
            "A lot is announced once per receipt.",
        )
    ]

    @api.depends(
        "quantity",
        "announced",
        "expiration_date",
        "label_expiration_date",
        "picking_id.state",
        "picking_id.move_line_ids.quantity",
        "picking_id.move_line_ids.lot_id",
        "picking_id.move_line_ids.picked",
    )
    def _compute_received(self):
        received = defaultdict(float)
        for line in self.picking_id.move_line_ids:
            if line.lot_id and line.picked:
                received[line.picking_id.id, line.lot_id.id] += line.quantity_product_uom
        for line in self:
            quantity = received[line.picking_id.id, line.lot_id.id]
            line.quantity_received = quantity
            rounding = line.product_id.uom_id.rounding
            compare = float_compare(quantity, line.quantity, precision_rounding=rounding)
            done = line.picking_id.state == "done"
            if not line.announced:
                state = "unannounced"
            elif compare > 0:
                state = "over"
            elif compare == 0:
                state = "confirmed"
            elif done:
                state = "short"
            else:
                state = "partial" if quantity else "expected"
            line.state = state
            line.difference = line._difference_text(quantity, state)

    def _difference_text(self, quantity, state):
        """What differs from the notice, in one line (False when nothing does, yet)."""
        self.ensure_one()
        lot = self.lot_id.supplier_lot_code or self.lot_id.name
        product = self.product_id.display_name
        parts = []
        if state == "unannounced":
            parts.append(
                self.env._(
                    "%(product)s lot %(lot)s was not announced (%(qty)s %(uom)s scanned)",
                    product=product,
                    lot=lot,
                    qty=formatLang(self.env, quantity, dp="Product Unit of Measure"),
                    uom=self.product_uom_id.name,
                )
            )
        elif state in ("short", "over"):
            parts.append(
                self.env._(
                    "%(product)s lot %(lot)s: %(received)s %(uom)s received, %(announced)s "
                    "announced",
                    product=product,
                    lot=lot,
                    received=formatLang(self.env, quantity, dp="Product Unit of Measure"),
                    announced=formatLang(self.env, self.quantity, dp="Product Unit of Measure"),
                    uom=self.product_uom_id.name,
                )
            )
        if self.label_expiration_date and self.expiration_date:
            parts.append(
                self.env._(
                    "%(product)s lot %(lot)s: the label says expiry %(label)s, the notice "
                    "%(announced)s",
                    product=product,
                    lot=lot,
                    label=format_date(self.env, self.label_expiration_date),
                    announced=format_date(self.env, self.expiration_date),
                )
            )
        return "; ".join(parts) or False
