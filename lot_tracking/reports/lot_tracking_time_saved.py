from odoo import fields, models
from odoo.tools import SQL


class LotTrackingTimeSaved(models.Model):
    """Time the automatic lot selection saves at the till: one row per Point of Sale and day.

    A Point of Sale's lines give its medians over all its history: the time a cashier takes to
    pick a lot by hand (the company's median when this till has no manual line) minus the time
    of an automatic pick is saved on every automatically picked line. Summed over days, a
    Point of Sale's saving is ``pos.config._lot_tracking_time_saved`` over its whole history.
    Counted lines as there: orders paid, done or invoiced, quantity > 0, a measured time.
    """

    _name = "lot.tracking.time.saved"
    _description = "Time Saved at the Till"
    _auto = False
    _order = "date desc, config_id"
    _rec_name = "config_id"
    _depends = {
        "pos.order": ["config_id", "company_id", "state", "date_order"],
        "pos.order.line": ["qty", "lot_auto_selected", "lot_selection_ms", "order_id"],
    }

    date = fields.Date(readonly=True)
    config_id = fields.Many2one("pos.config", "Point of Sale", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    auto_lines = fields.Integer("Automatic Lines", readonly=True)
    manual_lines = fields.Integer(readonly=True)
    transactions = fields.Integer(readonly=True, help="Orders with at least one counted line.")
    auto_ms_median = fields.Float(
        "Automatic Median (ms)", readonly=True, aggregator="avg", digits=(16, 0)
    )
    manual_ms_median = fields.Float(
        "Manual Median (ms)", readonly=True, aggregator="avg", digits=(16, 0)
    )
    saved_ms_per_line = fields.Float(
        "Saved per Line (ms)", readonly=True, aggregator="avg", digits=(16, 0)
    )
    saved_seconds = fields.Float(
        "Seconds Saved", readonly=True, digits=(16, 1), help="Saved per line x automatic lines."
    )

    def _with(self):
        return SQL(
            """
            counted AS (
                SELECT pos.config_id, pos.company_id, pos.id AS order_id,
                       pos.date_order::date AS date,
                       line.lot_auto_selected AS auto, line.lot_selection_ms AS ms
                  FROM pos_order_line line
                  JOIN pos_order pos ON pos.id = line.order_id
                 WHERE pos.state IN ('paid', 'done', 'invoiced')
                   AND line.qty > 0
                   AND line.lot_selection_ms > 0
            ),
            till AS (
                SELECT config_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE auto)
                           AS auto_median,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE NOT auto)
                           AS manual_median
                  FROM counted
              GROUP BY config_id
            ),
            company AS (
                SELECT company_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE NOT auto)
                           AS manual_median
                  FROM counted
              GROUP BY company_id
            )
            """
        )

    def _select(self):
        return SQL(
            """
            MIN(counted.order_id) AS id,  -- an order is in one group only
            counted.date,
            counted.config_id,
            counted.company_id,
            COUNT(*) FILTER (WHERE counted.auto) AS auto_lines,
            COUNT(*) FILTER (WHERE NOT counted.auto) AS manual_lines,
            COUNT(DISTINCT counted.order_id) AS transactions,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY counted.ms) FILTER (WHERE counted.auto)
                AS auto_ms_median,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY counted.ms)
                FILTER (WHERE NOT counted.auto) AS manual_ms_median,
            COALESCE(COALESCE(till.manual_median, company.manual_median) - till.auto_median, 0)
                AS saved_ms_per_line,
            COALESCE(COALESCE(till.manual_median, company.manual_median) - till.auto_median, 0)
                * COUNT(*) FILTER (WHERE counted.auto) / 1000.0 AS saved_seconds
            """
        )

    def _from(self):
        return SQL(
            """
            counted
            JOIN till ON till.config_id = counted.config_id
            JOIN company ON company.company_id = counted.company_id
            """
        )

    def _group_by(self):
        return SQL(
            """
            counted.date, counted.config_id, counted.company_id,
            till.auto_median, till.manual_median, company.manual_median
            """
        )

    @property
    def _table_query(self):
        return SQL(
            "WITH %s SELECT %s FROM %s GROUP BY %s",
            self._with(),
            self._select(),
            self._from(),
            self._group_by(),
        )
