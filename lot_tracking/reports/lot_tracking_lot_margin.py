from odoo import fields, models
from odoo.tools import SQL

from ..tools.download import xlsx_download


class LotTrackingLotMargin(models.Model):
    """Revenue minus cost per lot: one row per lot sold on a Point of Sale order line.

    The cost is the lot's own: the value of the lot's layers on the session's stock moves
    (what the session booked as cost of goods sold), or, before the session has moved the
    stock, the lot's purchase cost. Revenue is untaxed, in the company's currency.

    Each source of rows is one SELECT of `_source_queries` (Point of Sale: `_select`,
    `_from`, `_where`), with the columns of `_select` in that order; other modules add
    theirs (`lot_tracking_sale_stock`: invoiced deliveries). Row ids stay apart: a source's
    id is ten times its own row id plus the source's digit (0 here, 1 for invoiced
    deliveries, 2 to 9 free for other modules).
    """

    _name = "lot.tracking.lot.margin"
    _description = "Lot Margin"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lot_name"
    _depends = {
        "pos.order": ["date_order", "company_id", "partner_id", "state", "currency_rate"],
        "pos.order.line": ["qty", "price_subtotal", "product_id", "order_id"],
        "pos.pack.operation.lot": ["lot_name", "pos_order_line_id"],
        "stock.valuation.layer": ["lot_id", "quantity", "value", "stock_move_id"],
        "stock.picking": ["pos_session_id"],
        "stock.lot": ["name", "supplier_id"],
    }

    date = fields.Datetime(readonly=True)
    source = fields.Selection([("pos", "Point of Sale")], readonly=True)
    reference = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    # Accountants read this report without stock rights, hence without access to the lots.
    lot_name = fields.Char("Lot", readonly=True)
    supplier_id = fields.Many2one("res.partner", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    revenue = fields.Monetary(readonly=True, help="Untaxed, in the company's currency.")
    cost = fields.Monetary(readonly=True, help="At the lot's own cost.")
    margin = fields.Monetary(readonly=True)

    def _with(self):
        return SQL(
            """
            session_cost AS (
                SELECT picking.pos_session_id, svl.lot_id,
                       SUM(svl.value) / NULLIF(SUM(svl.quantity), 0) AS unit_cost
                  FROM stock_valuation_layer svl
                  JOIN stock_move move ON move.id = svl.stock_move_id
                  JOIN stock_picking picking ON picking.id = move.picking_id
                 WHERE svl.lot_id IS NOT NULL AND picking.pos_session_id IS NOT NULL
              GROUP BY picking.pos_session_id, svl.lot_id
            ),
            purchase_cost AS (
                SELECT svl.lot_id, SUM(svl.value) / NULLIF(SUM(svl.quantity), 0) AS unit_cost
                  FROM stock_valuation_layer svl
                 WHERE svl.lot_id IS NOT NULL AND svl.quantity > 0
              GROUP BY svl.lot_id
            ),
            pos_lot AS (
                SELECT pack.id, pack.lot_name, line.id AS line_id,
                       line.qty / COUNT(*) OVER (PARTITION BY line.id) AS quantity,
                       line.price_subtotal / COUNT(*) OVER (PARTITION BY line.id)
                           / COALESCE(NULLIF(pos.currency_rate, 0), 1) AS revenue
                  FROM pos_pack_operation_lot pack
                  JOIN pos_order_line line ON line.id = pack.pos_order_line_id
                  JOIN pos_order pos ON pos.id = line.order_id
                 WHERE pos.state IN ('paid', 'done', 'invoiced')
            )
            """
        )

    def _select(self):
        return SQL(
            """
            10 * pos_lot.id::bigint AS id,
            'pos' AS source,
            pos.date_order AS date,
            pos.name AS reference,
            pos.company_id,
            pos.partner_id,
            line.product_id,
            template.categ_id,
            lot.id AS lot_id,
            pos_lot.lot_name,
            lot.supplier_id,
            pos_lot.quantity,
            ROUND(pos_lot.revenue::numeric, currency.decimal_places) AS revenue,
            ROUND((pos_lot.quantity * COALESCE(session_cost.unit_cost, purchase_cost.unit_cost, 0)
                  )::numeric, currency.decimal_places) AS cost,
            ROUND(pos_lot.revenue::numeric, currency.decimal_places)
                - ROUND((pos_lot.quantity
                         * COALESCE(session_cost.unit_cost, purchase_cost.unit_cost, 0)
                        )::numeric, currency.decimal_places) AS margin
            """
        )

    def _from(self):
        return SQL(
            """
            pos_lot
            JOIN pos_order_line line ON line.id = pos_lot.line_id
            JOIN pos_order pos ON pos.id = line.order_id
            JOIN res_company company ON company.id = pos.company_id
            JOIN res_currency currency ON currency.id = company.currency_id
            JOIN product_product product ON product.id = line.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            LEFT JOIN LATERAL (
                SELECT candidate.id, candidate.supplier_id
                  FROM stock_lot candidate
                 WHERE candidate.product_id = line.product_id
                   AND candidate.name = pos_lot.lot_name
                   AND (candidate.company_id IS NULL OR candidate.company_id = pos.company_id)
              ORDER BY candidate.company_id NULLS LAST
                 LIMIT 1
            ) lot ON TRUE
            LEFT JOIN session_cost
                ON session_cost.pos_session_id = pos.session_id AND session_cost.lot_id = lot.id
            LEFT JOIN purchase_cost ON purchase_cost.lot_id = lot.id
            """
        )

    def _where(self):
        return SQL("TRUE")

    def _source_queries(self):
        """One SELECT per source of rows, the columns of `_select` in its order."""
        return [SQL("SELECT %s FROM %s WHERE %s", self._select(), self._from(), self._where())]

    @property
    def _table_query(self):
        return SQL("WITH %s %s", self._with(), SQL(" UNION ALL ").join(self._source_queries()))

    def action_lot_tracking_export_xlsx(self):
        """Download the selected lines (all lines when none is selected) as a spreadsheet."""
        lines = self or self.search([])  # pylint: disable=no-search-all  # the whole report
        sources = dict(self._fields["source"]._description_selection(self.env))
        columns = [
            (self.env._("Date"), "datetime"),
            (self.env._("Source"), "text"),
            (self.env._("Reference"), "text"),
            (self.env._("Customer"), "text"),
            (self.env._("Product"), "text"),
            (self.env._("Lot"), "text"),
            (self.env._("Quantity"), "number"),
            (self.env._("Unit"), "text"),
            (self.env._("Revenue"), "money"),
            (self.env._("Cost"), "money"),
            (self.env._("Margin"), "money"),
            (self.env._("Currency"), "text"),
        ]
        rows = [
            (
                line.date,
                sources.get(line.source),
                line.reference,
                line.partner_id.display_name,
                line.product_id.display_name,
                line.lot_name,
                line.quantity,
                line.uom_id.name,
                line.revenue,
                line.cost,
                line.margin,
                line.currency_id.name,
            )
            for line in lines
        ]
        return xlsx_download(self.env, self.env._("Lot Margin"), "lot_margin.xlsx", columns, rows)
