from odoo import fields, models

from ..tools.download import xlsx_download


class LotTrackingValuationReport(models.Model):
    """Stock value per lot: one grouped query over the valuation layers."""

    _name = "lot.tracking.valuation.report"
    _description = "Lot Valuation"
    _auto = False
    _order = "expiration_date, id"
    _rec_name = "lot_id"

    lot_id = fields.Many2one("stock.lot", readonly=True)
    # Accountants read this report without stock rights, hence without access to the lots.
    lot_name = fields.Char("Lot/Serial Number", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    unit_cost = fields.Monetary(readonly=True, aggregator="avg")
    value = fields.Monetary(readonly=True)
    quality_state = fields.Selection(
        lambda self: self.env["stock.lot"]._fields["quality_state"].selection, readonly=True
    )
    expiration_date = fields.Datetime(readonly=True)
    location_id = fields.Many2one(
        "stock.location",
        string="Stock Location",
        compute="_compute_location_id",
        search="_search_location_id",
        help="Where the lot has stock now.",
    )

    def _compute_location_id(self):
        for line in self:
            line.location_id = line.lot_id.location_id

    def _search_location_id(self, operator, value):
        if operator in ("=", "in", "child_of") and value:
            operator = "child_of"
        return [
            (
                "lot_id",
                "any",
                [
                    ("quant_ids.location_id", operator, value),
                    ("quant_ids.quantity", ">", 0),
                ],
            )
        ]

    # Layers carry their stored category; lot columns come along by primary key.
    def _select(self):
        return """
            MIN(svl.id) AS id,
            lot.id AS lot_id,
            lot.name AS lot_name,
            lot.product_id,
            MAX(svl.categ_id) AS categ_id,
            svl.company_id,
            SUM(svl.quantity) AS quantity,
            SUM(svl.value) AS value,
            CASE WHEN SUM(svl.quantity) != 0
                 THEN SUM(svl.value) / SUM(svl.quantity) END AS unit_cost,
            lot.quality_state,
            lot.expiration_date
        """

    def _from(self):
        return """
            stock_valuation_layer svl
            JOIN stock_lot lot ON lot.id = svl.lot_id
        """

    def _where(self):
        return """
            TRUE
        """

    def _group_by(self):
        return """
            lot.id,
            svl.company_id
        """

    def _query(self):
        return f"""
            SELECT {self._select()}
              FROM {self._from()}
             WHERE {self._where()}
          GROUP BY {self._group_by()}
        """

    @property
    def _table_query(self):
        return self._query()

    def action_lot_tracking_export_xlsx(self):
        """Download the selected lines (all lines when none is selected) as a spreadsheet."""
        lines = self or self.search([])  # pylint: disable=no-search-all  # the whole report
        columns = [
            (self.env._("Product"), "text"),
            (self.env._("Lot"), "text"),
            (self.env._("Quality State"), "text"),
            (self.env._("Expiration Date"), "datetime"),
            (self.env._("Quantity"), "number"),
            (self.env._("Unit"), "text"),
            (self.env._("Unit Cost"), "money"),
            (self.env._("Value"), "money"),
            (self.env._("Currency"), "text"),
        ]
        states = dict(self._fields["quality_state"]._description_selection(self.env))
        rows = [
            (
                line.product_id.display_name,
                line.lot_name,
                states.get(line.quality_state),
                line.expiration_date,
                line.quantity,
                line.uom_id.name,
                line.unit_cost,
                line.value,
                line.currency_id.name,
            )
            for line in lines
        ]
        return xlsx_download(
            self.env, self.env._("Lot Valuation"), "lot_valuation.xlsx", columns, rows
        )
