from odoo import fields, models
from odoo.tools import SQL


class LotTrackingStockAccuracy(models.Model):
    """Lot counts and their differences: one row per applied count of a lot's quant.

    A count is accurate when |counted - system| is within the company's count tolerance; the
    accuracy rate of any group (location, category, product, period) is the average of
    ``accuracy_rate`` (100 for an accurate count, 0 otherwise), as
    ``res.company._lot_tracking_stock_accuracy`` computes it.
    """

    _name = "lot.tracking.stock.accuracy"
    _description = "Lot Stock Accuracy"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lot_id"
    _depends = {
        "lot.tracking.event": [
            "event_type",
            "date",
            "lot_id",
            "company_id",
            "location_id",
            "quantity",
            "system_quantity",
        ],
        "stock.lot": ["product_id"],
        "stock.valuation.layer": ["lot_id", "quantity", "value"],
        "res.company": ["lot_tracking_count_tolerance"],
        "product.template": ["categ_id"],
    }

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    location_id = fields.Many2one("stock.location", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    counted_qty = fields.Float("Counted", readonly=True, digits="Product Unit of Measure")
    system_qty = fields.Float("System", readonly=True, digits="Product Unit of Measure")
    difference_qty = fields.Float(
        "Difference", readonly=True, digits="Product Unit of Measure", help="Counted - system."
    )
    difference_value = fields.Monetary(readonly=True, help="At the lot's cost.")
    abs_difference_value = fields.Monetary(
        "Absolute Difference Value", readonly=True, help="Gains and losses alike."
    )
    counts = fields.Integer(readonly=True)
    accurate_counts = fields.Integer(readonly=True)
    is_accurate = fields.Boolean("Accurate", readonly=True)
    accuracy_rate = fields.Float(
        "Accuracy (%)",
        readonly=True,
        aggregator="avg",
        help="Accurate counts / counts, in percent: within the company's count tolerance.",
    )

    def _select(self):
        return SQL(
            """
            event.id AS id,
            event.date,
            event.company_id,
            event.location_id,
            lot.product_id,
            template.categ_id,
            event.lot_id,
            event.quantity AS counted_qty,
            event.system_quantity AS system_qty,
            event.quantity - event.system_quantity AS difference_qty,
            (event.quantity - event.system_quantity) * COALESCE(cost.unit_cost, 0)
                AS difference_value,
            ABS(event.quantity - event.system_quantity) * COALESCE(cost.unit_cost, 0)
                AS abs_difference_value,
            1 AS counts,
            accuracy.accurate::int AS accurate_counts,
            accuracy.accurate AS is_accurate,
            CASE WHEN accuracy.accurate THEN 100.0 ELSE 0.0 END AS accuracy_rate
            """
        )

    def _from(self):
        return SQL(
            """
            lot_tracking_event event
            JOIN stock_lot lot ON lot.id = event.lot_id
            JOIN product_product product ON product.id = lot.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            JOIN uom_uom uom ON uom.id = template.uom_id
            -- a count is filed under the company of the counted quant (lot.tracking.event)
            JOIN res_company company ON company.id = event.company_id
            -- the same rounding as the tolerance check of _lot_tracking_stock_accuracy
            CROSS JOIN LATERAL (
                SELECT ROUND((ABS(event.quantity - event.system_quantity)
                              - COALESCE(company.lot_tracking_count_tolerance, 0))::numeric,
                             precision.digits) <= 0 AS accurate
                  FROM (SELECT COALESCE(MAX(digits), 2) AS digits FROM decimal_precision
                         WHERE name = 'Product Unit of Measure') precision
            ) accuracy
            LEFT JOIN LATERAL (
                SELECT SUM(svl.value) / NULLIF(SUM(svl.quantity), 0) AS unit_cost
                  FROM stock_valuation_layer svl
                 WHERE svl.lot_id = event.lot_id AND svl.quantity > 0
            ) cost ON TRUE
            """
        )

    def _where(self):
        return SQL("event.event_type = 'counted'")

    @property
    def _table_query(self):
        return SQL("SELECT %s FROM %s WHERE %s", self._select(), self._from(), self._where())
