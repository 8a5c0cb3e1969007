from odoo import fields, models
from odoo.tools import SQL

from ..models.stock_lot import QUALITY_STATES


class LotTrackingAnalysis(models.Model):
    """How each lot moves: received, sold, scrapped, on hand, pace and projected loss.

    One row per lot, one SQL query. The time is a parameter of the query (not the database's
    clock), so figures follow the server's time like the rest of Odoo. Days are whole UTC days.
    """

    _name = "lot.tracking.analysis"
    _description = "Lot Movement Analysis"
    _auto = False
    _rec_name = "lot_id"
    _order = "sales_per_day desc, lot_id"
    _depends = {
        "stock.lot": [
            "product_id",
            "company_id",
            "supplier_id",
            "quality_state",
            "expiration_date",
            "receipt_date",
        ],
        "stock.move.line": [
            "lot_id",
            "state",
            "date",
            "quantity_product_uom",
            "location_id",
            "location_dest_id",
            "company_id",
        ],
        "stock.quant": ["lot_id", "location_id", "quantity"],
        "stock.location": ["usage", "scrap_location"],
        "stock.valuation.layer": ["lot_id", "quantity", "value"],
        "res.company": ["lot_tracking_velocity_days", "lot_tracking_observation_days"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
    }

    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    supplier_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    quality_state = fields.Selection(QUALITY_STATES, readonly=True)
    expiration_date = fields.Datetime(readonly=True)
    first_receipt_date = fields.Datetime(readonly=True)
    last_sale_date = fields.Datetime(readonly=True)
    qty_received = fields.Float(
        "Received",
        readonly=True,
        digits="Product Unit of Measure",
        help="From suppliers; a receipt in several steps counts once, inventory gains not.",
    )
    qty_sold = fields.Float(
        "Sold",
        readonly=True,
        digits="Product Unit of Measure",
        help="Delivered to customers (deliveries and Point of Sale alike) minus customer returns.",
    )
    qty_returned = fields.Float(
        "Returned", readonly=True, digits="Product Unit of Measure", help="Back from customers."
    )
    qty_scrapped = fields.Float(
        "Scrapped / Written Off", readonly=True, digits="Product Unit of Measure"
    )
    qty_on_hand = fields.Float("On Hand", readonly=True, digits="Product Unit of Measure")
    utilization = fields.Float(
        "Utilization (%)", readonly=True, aggregator="avg", help="Sold / received, in percent."
    )
    days_in_stock = fields.Integer(readonly=True, aggregator="avg")
    has_velocity = fields.Boolean(
        "Observed",
        readonly=True,
        help="In stock for at least the company's observation window: younger lots have no "
        "sales pace yet.",
    )
    sales_per_day = fields.Float(
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Net sales over the company's sales velocity window (or since the first receipt "
        "when more recent), per day.",
    )
    days_of_cover = fields.Float(
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days the stock on hand lasts at this lot's sales pace.",
    )
    days_to_expiry = fields.Integer(readonly=True, aggregator="avg")
    projected_unsold_qty = fields.Float(
        "Projected Unsold",
        readonly=True,
        digits="Product Unit of Measure",
        help="Stock expected to be left when the lot expires, the product's lots selling first "
        "to expire first at the product's pace.",
    )
    projected_unsold_value = fields.Monetary(readonly=True)
    is_stagnating = fields.Boolean(
        "Stagnating",
        readonly=True,
        help="Observed lot with stock and no net sale over the velocity window, or stock "
        "projected to be unsold at expiry.",
    )

    # ------------------------------------------------------------------------------------
    # Query: `_select` / `_from` / `_where` / `_group_by` give one row of raw figures per lot;
    # `_query` derives the pace and the first-expiry-first projection from them.
    # ------------------------------------------------------------------------------------
    def _select(self):
        return """
            lot.id AS id,
            lot.id AS lot_id,
            lot.product_id AS product_id,
            template.categ_id AS categ_id,
            lot.supplier_id AS supplier_id,
            company.id AS company_id,
            lot.quality_state AS quality_state,
            lot.expiration_date AS expiration_date,
            COALESCE(SUM(sml.quantity_product_uom) FILTER (
                WHERE src.usage = 'supplier' AND dest.usage != 'supplier'), 0) AS qty_received,
            COALESCE(SUM(sml.quantity_product_uom) FILTER (
                WHERE dest.usage = 'customer' AND src.usage != 'customer'), 0) AS qty_delivered,
            COALESCE(SUM(sml.quantity_product_uom) FILTER (
                WHERE src.usage = 'customer' AND dest.usage != 'customer'), 0) AS qty_returned,
            COALESCE(SUM(sml.quantity_product_uom) FILTER (
                WHERE dest.scrap_location AND NOT src.scrap_location), 0) AS qty_scrapped,
            COALESCE(SUM(CASE WHEN dest.usage = 'customer' THEN sml.quantity_product_uom
                              ELSE -sml.quantity_product_uom END) FILTER (
                WHERE (dest.usage = 'customer') != (src.usage = 'customer')
                  AND sml.date >= params.now::date - make_interval(
                      days => GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1))
            ), 0) AS qty_sold_window,
            MAX(sml.date) FILTER (
                WHERE dest.usage = 'customer' AND src.usage != 'customer') AS last_sale_date,
            COALESCE(
                LEAST(lot.receipt_date, MIN(sml.date) FILTER (WHERE src.usage = 'supplier')),
                MIN(sml.date) FILTER (WHERE dest.usage = 'internal' AND src.usage != 'internal')
            ) AS first_receipt_date,
            COALESCE(quant.quantity, 0) AS qty_on_hand,
            layer.unit_cost AS unit_cost,
            GREATEST(COALESCE(company.lot_tracking_velocity_days, 30), 1) AS velocity_days,
            COALESCE(company.lot_tracking_observation_days, 7) AS observation_days,
            params.now AS now
        """

    def _from(self):
        return """
            stock_lot lot
            CROSS JOIN params
            JOIN product_product product ON product.id = lot.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            -- A lot shared between companies (no company of its own) belongs to the company
            -- that first moved it.
            LEFT JOIN LATERAL (
                SELECT first_sml.company_id
                  FROM stock_move_line first_sml
                 WHERE first_sml.lot_id = lot.id AND lot.company_id IS NULL
              ORDER BY first_sml.id
                 LIMIT 1
            ) first_move ON TRUE
            LEFT JOIN res_company company
                ON company.id = COALESCE(lot.company_id, first_move.company_id)
            LEFT JOIN stock_move_line sml ON sml.lot_id = lot.id AND sml.state = 'done'
            LEFT JOIN stock_location src ON src.id = sml.location_id
            LEFT JOIN stock_location dest ON dest.id = sml.location_dest_id
            LEFT JOIN LATERAL (
                SELECT SUM(q.quantity) AS quantity
                  FROM stock_quant q
                  JOIN stock_location ql ON ql.id = q.location_id AND ql.usage = 'internal'
                 WHERE q.lot_id = lot.id
            ) quant ON TRUE
            LEFT JOIN LATERAL (
                SELECT SUM(svl.value) / NULLIF(SUM(svl.quantity), 0) AS unit_cost
                  FROM stock_valuation_layer svl
                 WHERE svl.lot_id = lot.id
            ) layer ON TRUE
        """

    def _where(self):
        return """
            TRUE
        """

    def _group_by(self):
        return """
            lot.id,
            template.id,
            company.id,
            first_move.company_id,
            quant.quantity,
            layer.unit_cost,
            params.now
        """

    def _query_live(self, scope):
        """The CTEs computing the rows of the lots of the products in ``scope`` (SQL of a
        ``product_id`` set), after a ``params`` CTE; the rows are in ``projected``."""
        return f"""
            base AS (
                SELECT {self._select()}
                  FROM {self._from()}
                 WHERE {self._where()} AND lot.product_id IN ({scope})
              GROUP BY {self._group_by()}
            ),
            aged AS (
                SELECT base.*,
                       base.qty_delivered - base.qty_returned AS qty_sold,
                       base.now::date - base.first_receipt_date::date AS days_in_stock,
                       base.expiration_date::date - base.now::date AS days_to_expiry
                  FROM base
            ),
            observed AS (
                SELECT aged.*,
                       COALESCE(aged.days_in_stock >= GREATEST(aged.observation_days, 1), FALSE)
                           AS has_velocity,
                       MAX(aged.days_in_stock) OVER product_lots AS product_days,
                       SUM(aged.qty_sold_window) OVER product_lots AS product_sold_window
                  FROM aged
                WINDOW product_lots AS (PARTITION BY aged.product_id, aged.company_id)
            ),
            paced AS (
                SELECT observed.*,
                       CASE WHEN observed.has_velocity
                            THEN observed.qty_sold_window
                                 / LEAST(observed.velocity_days, observed.days_in_stock)
                            ELSE 0 END AS sales_per_day,
                       CASE WHEN observed.product_days >= GREATEST(observed.observation_days, 1)
                            THEN observed.product_sold_window
                                 / LEAST(observed.velocity_days, observed.product_days)
                       END AS product_rate
                  FROM observed
            ),
            -- First expiry, first out: by the expiry of lot i the product sells at most
            -- rate * days; what its lots 1..i hold beyond that is left unsold.
            excess AS (
                SELECT paced.id, paced.product_id, paced.company_id, paced.expiration_date,
                       SUM(paced.qty_on_hand) OVER fefo
                           - paced.product_rate * GREATEST(paced.days_to_expiry, 0) AS excess
                  FROM paced
                 WHERE paced.qty_on_hand > 0
                   AND paced.expiration_date IS NOT NULL
                   AND paced.product_rate IS NOT NULL
                WINDOW fefo AS (PARTITION BY paced.product_id, paced.company_id
                                ORDER BY paced.expiration_date, paced.id
                                ROWS UNBOUNDED PRECEDING)
            ),
            unsold AS (
                SELECT excess.id,
                       GREATEST(MAX(excess.excess) OVER upto, 0)
                           - GREATEST(COALESCE(MAX(excess.excess) OVER before, 0), 0) AS qty
                  FROM excess
                WINDOW upto AS (PARTITION BY excess.product_id, excess.company_id
                                ORDER BY excess.expiration_date, excess.id
                                ROWS UNBOUNDED PRECEDING),
                       before AS (PARTITION BY excess.product_id, excess.company_id
                                  ORDER BY excess.expiration_date, excess.id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            ),
            projected AS (
                SELECT paced.*,
                       CASE WHEN paced.has_velocity THEN COALESCE(unsold.qty, 0) ELSE 0 END
                           AS projected_unsold_qty
                  FROM paced
             LEFT JOIN unsold ON unsold.id = paced.id
            )
        """

    def _select_final(self):
        return """
            projected.id,
            projected.lot_id,
            projected.product_id,
            projected.categ_id,
            projected.supplier_id,
            projected.company_id,
            projected.quality_state,
            projected.expiration_date,
            projected.first_receipt_date,
            projected.last_sale_date,
            projected.qty_received,
            projected.qty_sold,
            projected.qty_returned,
            projected.qty_scrapped,
            projected.qty_on_hand,
            CASE WHEN projected.qty_received > 0
                 THEN 100.0 * projected.qty_sold / projected.qty_received
                 ELSE 0 END AS utilization,
            projected.days_in_stock,
            projected.has_velocity,
            projected.sales_per_day,
            CASE WHEN projected.sales_per_day > 0
                 THEN GREATEST(projected.qty_on_hand, 0) / projected.sales_per_day
            END AS days_of_cover,
            projected.days_to_expiry,
            projected.projected_unsold_qty,
            projected.projected_unsold_qty * COALESCE(projected.unit_cost, 0)
                AS projected_unsold_value,
            projected.has_velocity AND projected.qty_on_hand > 0
                AND (projected.sales_per_day <= 0 OR projected.projected_unsold_qty > 0)
                AS is_stagnating
        """

    # ------------------------------------------------------------------------------------
    # The rows are kept in `lot.tracking.analysis.store`, refreshed by a cron; the products
    # changed since (`lot.tracking.analysis.dirty`, filled by database triggers) are computed
    # live, and all of them when the stored rows are not of today. Reading is always exact.
    # ------------------------------------------------------------------------------------
    def _lot_tracking_stale_products(self):
        """Ids of the products to compute live, or None when the stored rows are not of
        today (or there are none): every product is computed live."""
        self.env.cr.execute(
            """
            SELECT (SELECT MIN(computed_on) FROM lot_tracking_analysis_store)
                       = (%s::timestamp)::date,
                   ARRAY(SELECT DISTINCT product_id FROM lot_tracking_analysis_dirty)
            """,
            [fields.Datetime.now()],
        )
        current, products = self.env.cr.fetchone()
        return products if current else None

    def _store_columns(self):
        return [
            "id",
            "lot_id",
            "product_id",
            "categ_id",
            "supplier_id",
            "company_id",
            "quality_state",
            "expiration_date",
            "first_receipt_date",
            "last_sale_date",
            "qty_received",
            "qty_sold",
            "qty_returned",
            "qty_scrapped",
            "qty_on_hand",
            "utilization",
            "days_in_stock",
            "has_velocity",
            "sales_per_day",
            "days_of_cover",
            "days_to_expiry",
            "projected_unsold_qty",
            "projected_unsold_value",
            "is_stagnating",
        ]

    @property
    def _table_query(self):
        now = fields.Datetime.now()
        stale = self._lot_tracking_stale_products()
        if stale is None:
            return SQL(
                f"""
                WITH params AS (SELECT %s::timestamp AS now),
                {self._query_live("SELECT product.id FROM product_product product")}
                SELECT {self._select_final()} FROM projected
                """,
                now,
            )
        columns = ", ".join(f"store.{name}" for name in self._store_columns())
        stored = SQL(
            f"""
            SELECT {columns}
              FROM lot_tracking_analysis_store store
             WHERE NOT store.product_id = ANY(%s::int[])
            """,
            stale,
        )
        if not stale:
            return stored
        return SQL(
            f"""
            WITH params AS (SELECT %s::timestamp AS now),
            {self._query_live("SELECT unnest(%s::int[])")}
            SELECT {self._select_final()} FROM projected
             UNION ALL
            %s
            """,
            now,
            stale,
            stored,
        )

    def _lot_tracking_refresh_store(self, product_ids=None):
        """Compute and store the rows of the lots of ``product_ids`` (all lots when None)."""
        self.env.flush_all()
        scope = "SELECT product.id FROM product_product product"
        if product_ids is not None:
            scope = "SELECT unnest(%(products)s::int[])"
        columns = self._store_columns()
        query = SQL(
            f"""
            DELETE FROM lot_tracking_analysis_store
             WHERE %(all)s OR product_id = ANY(%(products)s::int[]);
            WITH params AS (SELECT %(now)s::timestamp AS now),
            {self._query_live(scope)}
            INSERT INTO lot_tracking_analysis_store
                   ({", ".join(columns)}, velocity_days, observation_days, computed_on)
            SELECT {self._select_final()},
                   projected.velocity_days, projected.observation_days, projected.now::date
              FROM projected
            """,
            now=fields.Datetime.now(),
            all=product_ids is None,
            products=list(product_ids or []),
        )
        # a big query the planner overestimates: compiling it would take longer than running it
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute(query)
