from odoo import fields, models
from odoo.tools import SQL


class LotTrackingLotMargin(models.Model):
    """Adds the lots delivered on invoiced sales order lines to the Lot Margin.

    One row per sales order line and lot delivered on it, for lines with a posted customer
    invoice. Revenue: the line's posted invoice lines minus its posted credit notes, untaxed,
    in the company's currency (their balance), shared between the line's lots in proportion to
    the net quantity delivered of each; the shares are rounded cumulatively so that they add up
    to the line's amount. Cost: the lot's valuation layers on the line's stock moves (the
    deliveries' outgoing value, their returns' value deducted).
    """

    _inherit = "lot.tracking.lot.margin"
    _depends = {
        "stock.move.line": [
            "state",
            "move_id",
            "lot_id",
            "quantity_product_uom",
            "location_id",
            "location_dest_id",
            "date",
        ],
        "stock.move": ["sale_line_id"],
        "stock.location": ["usage"],
        "account.move": ["state", "move_type"],
        "account.move.line": ["move_id", "balance", "sale_line_ids"],
        "sale.order.line": ["order_id"],
        "sale.order": ["name", "company_id", "partner_id"],
        "stock.lot": ["product_id"],
    }

    source = fields.Selection(selection_add=[("delivery", "Invoiced Delivery")])

    def _with(self):
        return SQL(
            """
            %s,
            delivery_lot AS (
                SELECT move.sale_line_id, sml.lot_id,
                       MIN(sml.id) AS first_line_id,
                       MIN(sml.date) FILTER (WHERE dest.usage = 'customer') AS date,
                       SUM(CASE WHEN dest.usage = 'customer' THEN sml.quantity_product_uom
                                ELSE -sml.quantity_product_uom END) AS quantity
                  FROM stock_move_line sml
                  JOIN stock_move move ON move.id = sml.move_id
                  -- the line's own product: not the components of a kit sold on it
                  JOIN sale_order_line sale_line ON sale_line.id = move.sale_line_id
                                                AND sale_line.product_id = sml.product_id
                  JOIN stock_location src ON src.id = sml.location_id
                  JOIN stock_location dest ON dest.id = sml.location_dest_id
                 WHERE sml.state = 'done' AND sml.lot_id IS NOT NULL
                   AND (dest.usage = 'customer') != (src.usage = 'customer')
              GROUP BY move.sale_line_id, sml.lot_id
            ),
            delivery_cost AS (
                SELECT move.sale_line_id, svl.lot_id, -SUM(svl.value) AS cost
                  FROM stock_valuation_layer svl
                  JOIN stock_move move ON move.id = svl.stock_move_id
                 WHERE svl.lot_id IS NOT NULL AND move.sale_line_id IS NOT NULL
              GROUP BY move.sale_line_id, svl.lot_id
            ),
            invoiced AS (
                SELECT rel.order_line_id AS sale_line_id, -SUM(aml.balance) AS revenue,
                       SUM(CASE WHEN invoice.move_type = 'out_refund' THEN -1 ELSE 1 END
                           * aml.quantity / line_uom.factor * product_uom.factor) AS quantity
                  FROM sale_order_line_invoice_rel rel
                  JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                  JOIN account_move invoice ON invoice.id = aml.move_id
                  JOIN product_product product ON product.id = aml.product_id
                  JOIN product_template template ON template.id = product.product_tmpl_id
                  JOIN uom_uom product_uom ON product_uom.id = template.uom_id
                  JOIN uom_uom line_uom ON line_uom.id = COALESCE(aml.product_uom_id,
                                                                  template.uom_id)
                 WHERE invoice.state = 'posted'
                   AND invoice.move_type IN ('out_invoice', 'out_refund')
              GROUP BY rel.order_line_id
            ),
            delivery_share AS (
                -- the line's revenue is shared by the units invoiced or delivered, whichever
                -- are more: a lot never carries revenue of goods invoiced but not yet shipped
                SELECT delivery_lot.*, invoiced.revenue,
                       SUM(delivery_lot.quantity) OVER upto_lot AS quantity_upto,
                       GREATEST(SUM(delivery_lot.quantity) OVER line, invoiced.quantity)
                           AS line_quantity
                  FROM delivery_lot
                  JOIN invoiced ON invoiced.sale_line_id = delivery_lot.sale_line_id
                WINDOW line AS (PARTITION BY delivery_lot.sale_line_id),
                       upto_lot AS (PARTITION BY delivery_lot.sale_line_id
                                    ORDER BY delivery_lot.lot_id)
            )
            """,
            super()._with(),
        )

    def _select_delivery(self):
        return SQL(
            """
            10 * share.first_line_id::bigint + 1 AS id,
            'delivery' AS source,
            share.date,
            sale.name AS reference,
            sale.company_id,
            sale.partner_id,
            lot.product_id,
            template.categ_id,
            lot.id AS lot_id,
            lot.name AS lot_name,
            lot.supplier_id,
            share.quantity,
            amount.revenue,
            amount.cost,
            amount.revenue - amount.cost AS margin
            """
        )

    def _from_delivery(self):
        return SQL(
            """
            delivery_share share
            JOIN sale_order_line line ON line.id = share.sale_line_id
            JOIN sale_order sale ON sale.id = line.order_id
            JOIN res_company company ON company.id = sale.company_id
            JOIN res_currency currency ON currency.id = company.currency_id
            JOIN stock_lot lot ON lot.id = share.lot_id
            JOIN product_product product ON product.id = lot.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            LEFT JOIN delivery_cost cost
                ON cost.sale_line_id = share.sale_line_id AND cost.lot_id = share.lot_id
            CROSS JOIN LATERAL (
                SELECT COALESCE(
                           ROUND(share.revenue * share.quantity_upto::numeric
                                 / NULLIF(share.line_quantity, 0)::numeric,
                                 currency.decimal_places)
                           - ROUND(share.revenue * (share.quantity_upto - share.quantity)::numeric
                                   / NULLIF(share.line_quantity, 0)::numeric,
                                   currency.decimal_places),
                           0) AS revenue,
                       ROUND(COALESCE(cost.cost, 0), currency.decimal_places) AS cost
            ) amount
            """
        )

    def _where_delivery(self):
        # a lot returned in full, at the value it left with, has nothing left to show
        return SQL("share.quantity != 0 OR amount.cost != 0")

    def _source_queries(self):
        return [
            *super()._source_queries(),
            SQL(
                "SELECT %s FROM %s WHERE %s",
                self._select_delivery(),
                self._from_delivery(),
                self._where_delivery(),
            ),
        ]
