from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero, float_round


class LotTrackingRestockForecast(models.Model):
    """What to order, per product and warehouse, counting only stock that will sell in time.

    Core's replenishment counts every unit on hand as available, even the units that will
    expire before they sell. Here the sellable stock (released lots before their cut-off) is
    projected first to expire, first out at the sales pace; what would be left at a lot's
    cut-off does not cover demand. One SQL query; the pace is the slow-mover suggestions' own
    (``stock.move.line._lot_tracking_velocity_query``).
    """

    _name = "lot.tracking.restock.forecast"
    _description = "Expiry-Aware Restock Forecast"
    _auto = False
    _rec_name = "product_id"
    _order = "qty_to_order desc, usable_cover_days, id"
    _depends = {
        "stock.lot": ["quality_state", "expiration_date", "removal_date"],
        "stock.quant": ["lot_id", "location_id", "quantity", "company_id", "product_id"],
        "stock.location": ["usage", "warehouse_id"],
        "stock.move": ["state", "product_qty", "location_id", "location_dest_id"],
        "stock.move.line": [
            "state",
            "date",
            "quantity_product_uom",
            "location_id",
            "location_dest_id",
        ],
        "product.supplierinfo": ["partner_id", "delay", "sequence", "company_id"],
        "res.company": ["lot_tracking_velocity_days", "lot_tracking_safety_days"],
        "product.template": ["tracking", "categ_id"],
    }

    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    vendor_id = fields.Many2one("res.partner", readonly=True, help="The product's first vendor.")
    qty_on_hand = fields.Float(
        "On Hand",
        readonly=True,
        digits="Product Unit of Measure",
        help="In the warehouse's internal locations, every lot.",
    )
    qty_sellable = fields.Float(
        "Sellable",
        readonly=True,
        digits="Product Unit of Measure",
        help="Released lots before their cut-off (removal date, else expiration date).",
    )
    daily_demand = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Units delivered from the warehouse per day over the sales velocity window.",
    )
    days_of_cover = fields.Float(
        readonly=True, digits=(16, 1), aggregator="avg", help="Sellable stock / daily demand."
    )
    qty_expiring = fields.Float(
        "Expires Before Sold",
        readonly=True,
        digits="Product Unit of Measure",
        help="Sellable stock expected to reach its cut-off unsold, lots selling first to "
        "expire first at the daily demand.",
    )
    qty_usable = fields.Float(
        "Usable",
        readonly=True,
        digits="Product Unit of Measure",
        help="Sellable stock that sells before its cut-off.",
    )
    usable_cover_days = fields.Float(
        "Usable Cover",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days the usable stock lasts at the daily demand.",
    )
    qty_incoming = fields.Float(
        "Incoming",
        readonly=True,
        digits="Product Unit of Measure",
        help="Expected in the warehouse from confirmed receipts.",
    )
    lead_days = fields.Integer(
        "Vendor Lead Time", readonly=True, aggregator="avg", help="Of the product's vendor."
    )
    safety_days = fields.Integer(readonly=True, aggregator="avg")
    qty_target = fields.Float(
        "Needed Cover",
        readonly=True,
        digits="Product Unit of Measure",
        help="Daily demand over the vendor lead time plus the safety days.",
    )
    qty_to_order = fields.Float(
        "To Order",
        readonly=True,
        digits="Product Unit of Measure",
        help="Needed cover minus usable and incoming stock, rounded up to the unit.",
    )

    # ------------------------------------------------------------------------------------
    # Query: `_with` computes the figures per product and warehouse, `_select` / `_from` /
    # `_where` / `_group_by` put them together (extend them to add columns).
    # ------------------------------------------------------------------------------------
    def _with(self, now):
        velocity = self.env["stock.move.line"]._lot_tracking_velocity_query(now)
        return SQL(
            """
            params AS (SELECT %(now)s::timestamp AS now),
            demand AS (
                SELECT velocity.company_id, velocity.product_id, location.warehouse_id,
                       SUM(velocity.daily_sales) AS daily_demand
                  FROM (%(velocity)s) velocity
                  JOIN stock_location location ON location.id = velocity.location_id
                 WHERE location.warehouse_id IS NOT NULL
              GROUP BY velocity.company_id, velocity.product_id, location.warehouse_id
            ),
            lot_stock AS (
                SELECT quant.company_id, quant.product_id, location.warehouse_id, quant.lot_id,
                       SUM(quant.quantity) AS quantity,
                       COALESCE(lot.removal_date, lot.expiration_date) AS cutoff,
                       lot.quality_state = 'released' AND COALESCE(
                           COALESCE(lot.removal_date, lot.expiration_date) > params.now, TRUE
                       ) AS sellable
                  FROM stock_quant quant
                  JOIN stock_location location
                    ON location.id = quant.location_id
                   AND location.usage = 'internal'
                   AND location.warehouse_id IS NOT NULL
                  JOIN stock_lot lot ON lot.id = quant.lot_id
                 CROSS JOIN params
              GROUP BY quant.company_id, quant.product_id, location.warehouse_id, quant.lot_id,
                       lot.id, params.now
            ),
            -- First to expire, first out: by the cut-off of lot i the warehouse sells at most
            -- demand * days; what lots 1..i hold beyond that expires unsold.
            fefo AS (
                SELECT lot_stock.company_id, lot_stock.product_id, lot_stock.warehouse_id,
                       CASE WHEN lot_stock.cutoff IS NOT NULL
                            THEN SUM(lot_stock.quantity) OVER fefo_order
                                 - COALESCE(demand.daily_demand, 0)
                                   * GREATEST(lot_stock.cutoff::date - params.now::date, 0)
                       END AS excess
                  FROM lot_stock
                 CROSS JOIN params
             LEFT JOIN demand
                    ON demand.company_id = lot_stock.company_id
                   AND demand.product_id = lot_stock.product_id
                   AND demand.warehouse_id = lot_stock.warehouse_id
                 WHERE lot_stock.sellable AND lot_stock.quantity > 0
                WINDOW fefo_order AS (
                    PARTITION BY lot_stock.company_id, lot_stock.product_id, lot_stock.warehouse_id
                    ORDER BY lot_stock.cutoff NULLS LAST, lot_stock.lot_id
                    ROWS UNBOUNDED PRECEDING)
            ),
            stock AS (
                SELECT lot_stock.company_id, lot_stock.product_id, lot_stock.warehouse_id,
                       SUM(lot_stock.quantity) AS qty_on_hand,
                       COALESCE(SUM(lot_stock.quantity) FILTER (
                           WHERE lot_stock.sellable AND lot_stock.quantity > 0), 0) AS qty_sellable
                  FROM lot_stock
              GROUP BY lot_stock.company_id, lot_stock.product_id, lot_stock.warehouse_id
            ),
            expiring AS (
                SELECT fefo.company_id, fefo.product_id, fefo.warehouse_id,
                       GREATEST(COALESCE(MAX(fefo.excess), 0), 0) AS qty_expiring
                  FROM fefo
              GROUP BY fefo.company_id, fefo.product_id, fefo.warehouse_id
            ),
            incoming AS (
                SELECT move.company_id, move.product_id, dest.warehouse_id,
                       SUM(move.product_qty) AS qty_incoming
                  FROM stock_move move
                  JOIN stock_location dest ON dest.id = move.location_dest_id
                  JOIN stock_location src ON src.id = move.location_id
                 WHERE move.state IN ('waiting', 'confirmed', 'partially_available', 'assigned')
                   AND dest.usage = 'internal'
                   AND dest.warehouse_id IS NOT NULL
                   AND src.warehouse_id IS DISTINCT FROM dest.warehouse_id
              GROUP BY move.company_id, move.product_id, dest.warehouse_id
            ),
            product_warehouse AS (
                SELECT company_id, product_id, warehouse_id FROM stock
                 UNION
                SELECT company_id, product_id, warehouse_id FROM demand
            ),
            figures AS (
                SELECT product_warehouse.*,
                       COALESCE(stock.qty_on_hand, 0) AS qty_on_hand,
                       COALESCE(stock.qty_sellable, 0) AS qty_sellable,
                       COALESCE(demand.daily_demand, 0) AS daily_demand,
                       COALESCE(expiring.qty_expiring, 0) AS qty_expiring,
                       COALESCE(incoming.qty_incoming, 0) AS qty_incoming
                  FROM product_warehouse
             LEFT JOIN stock USING (company_id, product_id, warehouse_id)
             LEFT JOIN demand USING (company_id, product_id, warehouse_id)
             LEFT JOIN expiring USING (company_id, product_id, warehouse_id)
             LEFT JOIN incoming USING (company_id, product_id, warehouse_id)
            )
            """,
            now=now,
            velocity=velocity,
        )

    def _select(self):
        return SQL(
            """
            figures.product_id::bigint * 1000000 + figures.warehouse_id AS id,
            figures.product_id,
            template.categ_id,
            figures.warehouse_id,
            figures.company_id,
            seller.partner_id AS vendor_id,
            figures.qty_on_hand,
            figures.qty_sellable,
            figures.daily_demand,
            CASE WHEN figures.daily_demand > 0
                 THEN figures.qty_sellable / figures.daily_demand END AS days_of_cover,
            figures.qty_expiring,
            figures.qty_sellable - figures.qty_expiring AS qty_usable,
            CASE WHEN figures.daily_demand > 0
                 THEN (figures.qty_sellable - figures.qty_expiring) / figures.daily_demand
            END AS usable_cover_days,
            figures.qty_incoming,
            COALESCE(seller.delay, 0) AS lead_days,
            COALESCE(company.lot_tracking_safety_days, 0) AS safety_days,
            figures.daily_demand
                * (COALESCE(seller.delay, 0) + COALESCE(company.lot_tracking_safety_days, 0))
                AS qty_target,
            GREATEST(CEIL(ROUND((
                figures.daily_demand
                    * (COALESCE(seller.delay, 0) + COALESCE(company.lot_tracking_safety_days, 0))
                - (figures.qty_sellable - figures.qty_expiring)
                - figures.qty_incoming
            )::numeric / uom.rounding, 6)) * uom.rounding, 0) AS qty_to_order
            """
        )

    def _from(self):
        return SQL(
            """
            figures
            JOIN product_product product ON product.id = figures.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            JOIN uom_uom uom ON uom.id = template.uom_id
            JOIN res_company company ON company.id = figures.company_id
            CROSS JOIN params
            LEFT JOIN LATERAL (
                SELECT info.partner_id, info.delay
                  FROM product_supplierinfo info
                 WHERE info.product_tmpl_id = template.id
                   AND (info.product_id IS NULL OR info.product_id = product.id)
                   AND (info.company_id IS NULL OR info.company_id = figures.company_id)
                   AND (info.date_end IS NULL OR info.date_end >= params.now::date)
              ORDER BY info.sequence, info.id
                 LIMIT 1
            ) seller ON TRUE
            """
        )

    def _where(self):
        return SQL("template.tracking = 'lot' AND template.is_storable")

    @property
    def _table_query(self):
        return SQL(
            "WITH %s SELECT %s FROM %s WHERE %s",
            self._with(fields.Datetime.now()),
            self._select(),
            self._from(),
            self._where(),
        )

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def _lot_tracking_with_demand(self):
        lines = self.filtered(lambda line: line.daily_demand > 0)
        if not lines:
            raise UserError(
                self.env._(
                    "None of these products has sold from its warehouse over the sales velocity "
                    "window: there is no pace to plan on yet."
                )
            )
        return lines

    def action_lot_tracking_update_orderpoint(self):
        """Create or update the warehouse's replenishment rule of each product so that core's
        replenishment, which counts all stock on hand, orders what this forecast orders: the
        minimum and maximum are the needed cover plus the stock that will not sell in time."""
        lines = self._lot_tracking_with_demand()
        Orderpoint = self.env["stock.warehouse.orderpoint"].with_context(active_test=False)
        existing = Orderpoint.search(
            [
                ("product_id", "in", lines.product_id.ids),
                ("location_id", "in", lines.warehouse_id.lot_stock_id.ids),
            ]
        )
        by_key = {(op.product_id, op.location_id): op for op in existing}
        create_vals = []
        orderpoints = Orderpoint
        for line in lines:
            rounding = line.product_id.uom_id.rounding
            quantity = float_round(
                line.qty_target + line.qty_on_hand - line.qty_usable,
                precision_rounding=rounding,
                rounding_method="UP",
            )
            vals = {"product_min_qty": quantity, "product_max_qty": quantity}
            orderpoint = by_key.get((line.product_id, line.warehouse_id.lot_stock_id))
            if orderpoint:
                orderpoint.write({**vals, "active": True})
                orderpoints |= orderpoint
            else:
                create_vals.append(
                    {
                        **vals,
                        "product_id": line.product_id.id,
                        "warehouse_id": line.warehouse_id.id,
                        "location_id": line.warehouse_id.lot_stock_id.id,
                        "company_id": line.company_id.id,
                    }
                )
        orderpoints |= Orderpoint.create(create_vals)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Replenishment Rules"),
            "res_model": "stock.warehouse.orderpoint",
            "view_mode": "list,form",
            "domain": [("id", "in", orderpoints.ids)],
        }

    def action_lot_tracking_create_rfq(self):
        """Put the quantity to order on a draft request for quotation to each product's vendor
        (one per vendor and warehouse; an open draft is updated rather than duplicated)."""
        lines = self._lot_tracking_with_demand().filtered(
            lambda line: (
                not float_is_zero(
                    line.qty_to_order, precision_rounding=line.product_id.uom_id.rounding
                )
            )
        )
        if not lines:
            raise UserError(self.env._("The usable stock covers the demand: nothing to order."))
        if no_vendor := lines.filtered(lambda line: not line.vendor_id):
            raise UserError(
                self.env._(
                    "Add a vendor to %(products)s (Purchase tab of the product) to order it.",
                    products=", ".join(no_vendor.product_id.mapped("display_name")),
                )
            )
        groups = defaultdict(lambda: self.browse())
        for line in lines:
            groups[line.vendor_id, line.warehouse_id] |= line
        Order = self.env["purchase.order"]
        orders = Order
        for (vendor, warehouse), group in groups.items():
            order = Order.search(
                [
                    ("partner_id", "=", vendor.id),
                    ("state", "=", "draft"),
                    ("picking_type_id", "=", warehouse.in_type_id.id),
                    ("company_id", "=", warehouse.company_id.id),
                ],
                limit=1,
            )
            if not order:
                order = Order.create(
                    {
                        "partner_id": vendor.id,
                        "company_id": warehouse.company_id.id,
                        "picking_type_id": warehouse.in_type_id.id,
                        "origin": self.env._("Restock forecast"),
                    }
                )
            order_lines = {line.product_id: line for line in order.order_line}
            commands = []
            for line in group:
                if order_line := order_lines.get(line.product_id):
                    commands.append(
                        Command.update(order_line.id, {"product_qty": line.qty_to_order})
                    )
                else:
                    commands.append(
                        Command.create(
                            {"product_id": line.product_id.id, "product_qty": line.qty_to_order}
                        )
                    )
            order.order_line = commands
            orders |= order
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Requests for Quotation"),
            "res_model": "purchase.order",
        }
        if len(orders) == 1:
            return {**action, "view_mode": "form", "res_id": orders.id}
        return {**action, "view_mode": "list,form", "domain": [("id", "in", orders.ids)]}
