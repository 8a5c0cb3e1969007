from odoo import fields, models
from odoo.tools import SQL


class LotTrackingKpi(models.Model):
    """Live lot KPIs, one row per company, for dashboards (pivots cannot call methods).

    ``nearing_expiry_qty_pct`` / ``nearing_expiry_value_pct`` are
    ``res.company._lot_tracking_nearing_expiry()`` with the company's expiry warning days.
    """

    _name = "lot.tracking.kpi"
    _description = "Lot KPIs"
    _auto = False
    _rec_name = "company_id"
    _depends = {
        "stock.quant": ["company_id", "product_id", "lot_id", "location_id", "quantity"],
        "stock.valuation.layer": ["company_id", "product_id", "lot_id", "value"],
        "stock.lot": ["expiration_date"],
        "stock.location": ["usage"],
        "product.template": ["tracking"],
        "res.company": ["lot_tracking_expiry_warning_days"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    nearing_expiry_qty_pct = fields.Float(
        "Nearing Expiry (% of Quantity)",
        readonly=True,
        aggregator="avg",
        help="Internal stock of lots expiring within the expiry warning days, as a share of "
        "the internal stock of lot-tracked products.",
    )
    nearing_expiry_value_pct = fields.Float(
        "Nearing Expiry (% of Value)", readonly=True, aggregator="avg"
    )

    def _with(self, now):
        return SQL(
            """
            params AS (SELECT %(now)s::timestamp AS now),
            quantity AS (
                SELECT quant.company_id,
                       SUM(quant.quantity) AS total,
                       SUM(quant.quantity) FILTER (WHERE %(nearing)s) AS nearing
                  FROM stock_quant quant
                  JOIN res_company company ON company.id = quant.company_id
                  JOIN stock_location location
                    ON location.id = quant.location_id AND location.usage = 'internal'
                  JOIN product_product product ON product.id = quant.product_id
                  JOIN product_template template
                    ON template.id = product.product_tmpl_id AND template.tracking = 'lot'
             LEFT JOIN stock_lot lot ON lot.id = quant.lot_id
                 CROSS JOIN params
                 WHERE quant.quantity > 0
              GROUP BY quant.company_id
            ),
            value AS (
                SELECT svl.company_id,
                       SUM(svl.value) AS total,
                       SUM(svl.value) FILTER (WHERE %(nearing)s) AS nearing
                  FROM stock_valuation_layer svl
                  JOIN res_company company ON company.id = svl.company_id
                  JOIN product_product product ON product.id = svl.product_id
                  JOIN product_template template
                    ON template.id = product.product_tmpl_id AND template.tracking = 'lot'
             LEFT JOIN stock_lot lot ON lot.id = svl.lot_id
                 CROSS JOIN params
              GROUP BY svl.company_id
            )
            """,
            now=now,
            # in the company's warning window: expiring after now, within its warning days
            nearing=SQL(
                """lot.expiration_date > params.now
                   AND lot.expiration_date <= params.now + make_interval(
                       days => COALESCE(company.lot_tracking_expiry_warning_days, 0))"""
            ),
        )

    def _select(self):
        return SQL(
            """
            company.id AS id,
            company.id AS company_id,
            COALESCE(100.0 * quantity.nearing / NULLIF(quantity.total, 0), 0)
                AS nearing_expiry_qty_pct,
            COALESCE(100.0 * value.nearing / NULLIF(value.total, 0), 0)
                AS nearing_expiry_value_pct
            """
        )

    def _from(self):
        return SQL(
            """
            res_company company
            LEFT JOIN quantity ON quantity.company_id = company.id
            LEFT JOIN value ON value.company_id = company.id
            """
        )

    @property
    def _table_query(self):
        return SQL(
            "WITH %s SELECT %s FROM %s",
            self._with(fields.Datetime.now()),
            self._select(),
            self._from(),
        )
