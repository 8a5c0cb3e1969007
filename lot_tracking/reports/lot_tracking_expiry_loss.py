from odoo import fields, models
from odoo.tools import SQL

from ..tools.download import xlsx_download

CAUSES = [
    ("expired", "Expired"),
    ("recalled", "Recalled"),
    ("blocked", "Blocked"),
    ("other", "Other"),
]


class LotTrackingExpiryLoss(models.Model):
    """What lot write-offs cost: one row per valuation layer of a write-off scrap."""

    _name = "lot.tracking.expiry.loss"
    _description = "Expiry Losses"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lot_name"
    _depends = {
        "stock.valuation.layer": [
            "stock_move_id",
            "lot_id",
            "product_id",
            "categ_id",
            "company_id",
            "quantity",
            "value",
            "account_move_id",
        ],
        "stock.move": ["scrap_id"],
        "stock.scrap": ["lot_tracking_write_off", "origin", "name"],
        "stock.lot": ["name", "supplier_id", "quality_state", "expiration_date", "removal_date"],
        "account.move": ["date"],
    }

    date = fields.Date("Accounting Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    # Accountants read this report without stock rights, hence without access to the lots.
    lot_name = fields.Char("Lot", readonly=True)
    supplier_id = fields.Many2one("res.partner", readonly=True)
    scrap_reference = fields.Char("Scrap", readonly=True)
    cause = fields.Selection(
        CAUSES,
        readonly=True,
        help="Recalled lot; else expired (past its removal or expiration date when written "
        "off); else blocked; else other.",
    )
    reason = fields.Char(readonly=True, help="As given at the write-off.")
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    value = fields.Monetary("Written-off Value", readonly=True)

    def _select(self):
        return SQL(
            """
            svl.id AS id,
            COALESCE(entry.date, svl.create_date::date) AS date,
            svl.company_id,
            svl.product_id,
            svl.categ_id,
            lot.id AS lot_id,
            lot.name AS lot_name,
            lot.supplier_id,
            scrap.name AS scrap_reference,
            CASE WHEN lot.quality_state = 'recalled' THEN 'recalled'
                 WHEN LEAST(lot.removal_date, lot.expiration_date) <= svl.create_date
                     THEN 'expired'
                 WHEN lot.quality_state = 'blocked' THEN 'blocked'
                 ELSE 'other'
            END AS cause,
            scrap.origin AS reason,
            -svl.quantity AS quantity,
            -svl.value AS value
            """
        )

    def _from(self):
        return SQL(
            """
            stock_valuation_layer svl
            JOIN stock_move move ON move.id = svl.stock_move_id
            JOIN stock_scrap scrap ON scrap.id = move.scrap_id
            LEFT JOIN stock_lot lot ON lot.id = svl.lot_id
            LEFT JOIN account_move entry ON entry.id = svl.account_move_id
            """
        )

    def _where(self):
        return SQL("scrap.lot_tracking_write_off")

    @property
    def _table_query(self):
        return SQL("SELECT %s FROM %s WHERE %s", self._select(), self._from(), self._where())

    def action_lot_tracking_export_xlsx(self):
        """Download the selected lines (all lines when none is selected) as a spreadsheet."""
        lines = self or self.search([])  # pylint: disable=no-search-all  # the whole report
        causes = dict(self._fields["cause"]._description_selection(self.env))
        columns = [
            (self.env._("Accounting Date"), "date"),
            (self.env._("Product"), "text"),
            (self.env._("Lot"), "text"),
            (self.env._("Supplier"), "text"),
            (self.env._("Cause"), "text"),
            (self.env._("Reason"), "text"),
            (self.env._("Quantity"), "number"),
            (self.env._("Unit"), "text"),
            (self.env._("Written-off Value"), "money"),
            (self.env._("Currency"), "text"),
        ]
        rows = [
            (
                line.date,
                line.product_id.display_name,
                line.lot_name,
                line.supplier_id.display_name,
                causes.get(line.cause),
                line.reason,
                line.quantity,
                line.uom_id.name,
                line.value,
                line.currency_id.name,
            )
            for line in lines
        ]
        return xlsx_download(
            self.env, self.env._("Expiry Losses"), "expiry_losses.xlsx", columns, rows
        )
