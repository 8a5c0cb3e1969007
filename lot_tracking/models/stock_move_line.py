from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    # the lot analysis and trace read a lot's move lines
    lot_id = fields.Many2one(index="btree_not_null")

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

    # ------------------------------------------------------------------------------------
    # Sales velocity: the one definition shared by the slow-mover suggestions and the
    # restock forecast.
    # ------------------------------------------------------------------------------------
    @api.model
    def _lot_tracking_velocity_query(self, now, company_ids=None):
        """SQL of the sales pace: one row per company, product and internal source location
        with ``daily_sales`` = units delivered to customers over the company's sales velocity
        window (done move lines, deliveries and Point of Sale alike), per day of the window."""
        company_filter = (
            SQL("AND sml.company_id IN %s", tuple(company_ids)) if company_ids else SQL()
        )
        return SQL(
            """
            SELECT sml.company_id,
                   sml.product_id,
                   sml.location_id,
                   SUM(sml.quantity_product_uom)
                       / GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1) AS daily_sales
              FROM stock_move_line sml
              JOIN res_company company ON company.id = sml.company_id
              JOIN stock_location src ON src.id = sml.location_id AND src.usage = 'internal'
              JOIN stock_location dest ON dest.id = sml.location_dest_id AND dest.usage = 'customer'
             WHERE sml.state = 'done'
               AND sml.date >= %(now)s::timestamp - make_interval(
                   days => GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1))
               %(company_filter)s
          GROUP BY sml.company_id, sml.product_id, sml.location_id, company.id
            """,
            now=now,
            company_filter=company_filter,
        )

    @api.model
    def _lot_tracking_velocity(self, companies, now):
        """``{(product, location): units sold per day}`` over each company's sales window."""
        self.env.flush_all()
        self.env.cr.execute(self._lot_tracking_velocity_query(now, companies.ids))
        rows = self.env.cr.fetchall()
        products = {p.id: p for p in self.env["product.product"].browse({r[1] for r in rows})}
        locations = {loc.id: loc for loc in self.env["stock.location"].browse({r[2] for r in rows})}
        return {
            (products[product_id], locations[location_id]): daily_sales
            for __, product_id, location_id, daily_sales in rows
        }
