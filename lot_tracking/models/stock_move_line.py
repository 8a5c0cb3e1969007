from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _prepare_new_lot_vals(self):
        vals = super()._prepare_new_lot_vals()
        picking = self.picking_id
        if picking.picking_type_code == "incoming":
            vals.update(
                supplier_id=picking.partner_id.commercial_partner_id.id,
                receipt_picking_id=picking.id,
                receipt_date=fields.Datetime.now(),
                standard_price=self.move_id._lot_tracking_unit_cost(),
            )
        return vals

    @api.constrains("lot_id", "location_dest_id")
    def _check_lot_tracking_quality_state(self):
        for line in self:
            lot = line.lot_id
            if (
                lot
                and lot.quality_state != "released"
                # POS sales are never refused: the sync records a violation instead.
                and not line.picking_id.pos_session_id
                and (
                    line.location_dest_id.usage == "customer"
                    or line.move_id._lot_tracking_to_customer()
                )
            ):
                raise ValidationError(
                    self.env._(
                        "Lot %(lot)s of %(product)s cannot be delivered to a customer: %(reason)s. "
                        "Choose a released lot.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                        reason=lot.sale_block_reason,
                    )
                )
