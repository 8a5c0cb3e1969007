from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang


class LotTrackingRecall(models.Model):
    """A recall: lots taken out of sale everywhere, with who got them and what is left."""

    _name = "lot.tracking.recall"
    _description = "Lot Recall"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    reason = fields.Text(required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    lot_ids = fields.Many2many("stock.lot", string="Lots", check_company=True)
    # Selection helper: every lot of a product received from a supplier in a date range.
    product_id = fields.Many2one("product.product", check_company=True)
    supplier_id = fields.Many2one("res.partner")
    received_from = fields.Date()
    received_to = fields.Date()
    date_activated = fields.Datetime(readonly=True)
    date_closed = fields.Datetime(readonly=True)
    line_ids = fields.One2many("lot.tracking.recall.line", "recall_id", readonly=True)
    customer_line_ids = fields.One2many(
        "lot.tracking.recall.line", "recall_id", domain=[("kind", "in", ("sold", "returned"))]
    )
    stock_line_ids = fields.One2many(
        "lot.tracking.recall.line", "recall_id", domain=[("kind", "in", ("stock", "transit"))]
    )
    customer_count = fields.Integer(compute="_compute_counts")
    quantity_sold = fields.Float(compute="_compute_counts", digits="Product Unit of Measure")
    quantity_in_stock = fields.Float(compute="_compute_counts", digits="Product Unit of Measure")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("lot.tracking.recall") or "/"
        return super().create(vals_list)

    @api.depends("line_ids.quantity", "line_ids.kind", "line_ids.partner_id")
    def _compute_counts(self):
        for recall in self:
            sold = recall.line_ids.filtered(lambda line: line.kind in ("sold", "returned"))
            left = recall.line_ids - sold
            recall.customer_count = len(sold.partner_id)
            recall.quantity_sold = sum(sold.mapped("quantity"))
            recall.quantity_in_stock = sum(left.mapped("quantity"))

    def _check_manager(self):
        self.env["stock.lot"]._lot_tracking_check_manager(
            self.env._("Only Lot Tracking managers can run recalls.")
        )

    def action_select_lots(self):
        """Add every lot of the product received from the supplier in the date range."""
        for recall in self:
            if not recall.product_id:
                raise UserError(self.env._("Choose the recalled product first."))
            domain = [
                ("product_id", "=", recall.product_id.id),
                ("company_id", "in", [recall.company_id.id, False]),
            ]
            if recall.supplier_id:
                domain.append(
                    ("supplier_id", "child_of", recall.supplier_id.commercial_partner_id.id)
                )
            if recall.received_from:
                domain.append(("receipt_date", ">=", recall.received_from))
            if recall.received_to:
                domain.append(("receipt_date", "<", fields.Date.add(recall.received_to, days=1)))
            recall.lot_ids = [Command.link(lot.id) for lot in self.env["stock.lot"].search(domain)]
        return True

    def action_activate(self):
        """Recall the lots: not sellable nor deliverable anywhere; list who is affected."""
        self._check_manager()
        for recall in self:
            if recall.state != "draft":
                raise UserError(self.env._("Only a draft recall can be activated."))
            if not recall.lot_ids:
                raise UserError(self.env._("Add the recalled lots first."))
            recall.lot_ids._lot_tracking_set_quality_state(
                "recalled",
                note=self.env._(
                    "Recall %(name)s: %(reason)s", name=recall.name, reason=recall.reason
                ),
                company_id=recall.company_id.id,
            )
            recall.write({"state": "active", "date_activated": fields.Datetime.now()})
        self._compute_affected()
        return True

    def action_refresh(self):
        self._compute_affected()
        return True

    def action_close(self):
        """Close once no recalled stock is left: returned, scrapped or written off."""
        self._check_manager()
        for recall in self:
            if recall.state != "active":
                raise UserError(self.env._("Only an active recall can be closed."))
        self._compute_affected()
        for recall in self:
            left = recall.stock_line_ids
            if left:
                stock = "; ".join(
                    self.env._(
                        "%(lot)s: %(qty)s %(uom)s in %(location)s",
                        lot=line.lot_id.name,
                        qty=formatLang(self.env, line.quantity, dp="Product Unit of Measure"),
                        uom=line.product_id.uom_id.name,
                        location=line.location_id.display_name,
                    )
                    for line in left
                )
                raise UserError(
                    self.env._(
                        "%(name)s cannot be closed while recalled stock is left (%(stock)s). "
                        "Return it to the supplier, scrap it or write it off first.",
                        name=recall.name,
                        stock=stock,
                    )
                )
        self.write({"state": "closed", "date_closed": fields.Datetime.now()})
        return True

    def _concerns(self, record):
        """Is ``record`` (a move line or quant) of one of this recall's lots, in its company?"""
        return record.lot_id in self.lot_ids and record.company_id == self.company_id

    def _compute_affected(self):
        """Rebuild the affected lines from done moves and current quants (batched).

        Read as the system, to list every customer, but only within the recall's company: a
        lot shared between companies has customers and stock in each.
        """
        Line = self.env["lot.tracking.recall.line"].sudo()
        Line.search([("recall_id", "in", self.ids)]).unlink()
        lots = self.lot_ids
        moves = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("state", "=", "done"),
                    "|",
                    ("location_dest_id.usage", "=", "customer"),
                    ("location_id.usage", "=", "customer"),
                ]
            )
        )
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("location_id.usage", "in", ("internal", "transit")),
                    ("quantity", ">", 0),
                ]
            )
        )
        vals_list = []
        for recall in self:
            for ml in moves.filtered(recall._concerns):
                sold = ml.location_dest_id.usage == "customer"
                picking = ml.picking_id
                pos_order = picking.pos_order_id
                vals_list.append(
                    {
                        "recall_id": recall.id,
                        "kind": "sold" if sold else "returned",
                        "lot_id": ml.lot_id.id,
                        "partner_id": (pos_order.partner_id or picking.partner_id).id,
                        "picking_id": picking.id,
                        "pos_order_id": pos_order.id,
                        "date": ml.date,
                        "quantity": ml.quantity_product_uom if sold else -ml.quantity_product_uom,
                        "location_id": (ml.location_dest_id if sold else ml.location_id).id,
                    }
                )
            for quant in quants.filtered(recall._concerns):
                vals_list.append(
                    {
                        "recall_id": recall.id,
                        "kind": "stock" if quant.location_id.usage == "internal" else "transit",
                        "lot_id": quant.lot_id.id,
                        "location_id": quant.location_id.id,
                        "quantity": quant.quantity,
                    }
                )
        Line.create(vals_list)
