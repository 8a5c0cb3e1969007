from odoo import fields, models


class LotTrackingRecallLine(models.Model):
    _name = "lot.tracking.recall.line"
    _description = "Recall: affected customer or stock"
    _order = "kind, partner_id, date"

    recall_id = fields.Many2one(
        "lot.tracking.recall", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="recall_id.company_id", store=True)
    kind = fields.Selection(
        [
            ("sold", "Sold to customer"),
            ("returned", "Returned by customer"),
            ("stock", "In stock"),
            ("transit", "In transit"),
        ],
        required=True,
    )
    lot_id = fields.Many2one("stock.lot", required=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    partner_id = fields.Many2one("res.partner", string="Customer")
    picking_id = fields.Many2one("stock.picking", string="Transfer")
    pos_order_id = fields.Many2one("pos.order", string="POS Order")
    date = fields.Datetime()
    location_id = fields.Many2one("stock.location")
    quantity = fields.Float(digits="Product Unit of Measure")
