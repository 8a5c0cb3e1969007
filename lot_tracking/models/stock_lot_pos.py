from odoo import api, fields, models
from odoo.tools import SQL

# What the Point of Sale knows of a lot. ``product_qty`` is the quantity at the POS's own
# location (core's ``get_existing_lots`` meaning), ``sale_block_reason`` why it may not be sold.
POS_LOT_FIELDS = [
    "id",
    "name",
    "product_id",
    "expiration_date",
    "removal_date",
    "supplier_lot_code",
    "markdown_percent",
    "quality_state",
    "product_qty",
    "sale_block_reason",
]
POS_LOT_COLUMNS = [
    name for name in POS_LOT_FIELDS if name not in ("product_qty", "sale_block_reason")
]


def is_sellable(now, quality_state, expiration_date, removal_date):
    """``stock.lot._lot_tracking_sellable_domain`` on values already read."""
    if quality_state != "released":
        return False
    if removal_date:
        return removal_date > now
    return not expiration_date or expiration_date > now


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "pos.load.mixin"]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return list(POS_LOT_FIELDS)

    def _load_pos_data(self, data):
        # The lots in stock at the POS location, sellable or not: the till chooses, checks
        # and refuses lots offline too.
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        return {
            "data": self._lot_tracking_pos_rows(config),
            "fields": self._load_pos_data_fields(config.id),
        }

    @api.model
    def _lot_tracking_pos_quant_domain(self, config, quant_domain):
        """Quants of ``quant_domain`` in stock at the source location of ``config`` (core's
        ``get_existing_lots`` rule), read without loading the whole POS configuration."""
        [values] = config.read(["picking_type_id", "company_id"], load=False)
        picking_type = self.env["stock.picking.type"].browse(values["picking_type_id"])
        return [
            *quant_domain,
            ("company_id", "in", [False, values["company_id"]]),
            ("location_id", "child_of", picking_type.default_location_src_id.id),
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
            ("lot_id", "!=", False),
        ]

    @api.model
    def _lot_tracking_pos_quantities(self, config, quant_domain):
        """``{lot id: quantity}`` in stock at the source location of ``config``: one grouped
        query."""
        # Like core: POS users read lot stock without Inventory rights.
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                self._lot_tracking_pos_quant_domain(config, quant_domain),
                groupby=["lot_id"],
                aggregates=["quantity:sum"],
            )
        )
        return {lot.id: quantity for lot, quantity in groups}

    @api.model
    def _lot_tracking_pos_rows(self, config, lots=None, quant_domain=None):
        """The lots as the till of ``config`` knows them (``POS_LOT_FIELDS``): ``lots``, with
        or without stock there, or else the lots in stock at its location whose quants match
        ``quant_domain`` (by default: every lot of the POS's lot-tracked products)."""
        if lots is None:
            rows = self._lot_tracking_pos_stock_rows(config, quant_domain)
        else:
            quantities = self._lot_tracking_pos_quantities(config, [("lot_id", "in", lots.ids)])
            # Lots of the shop's company (or none), read as core's get_existing_lots reads them.
            rows = lots.sudo().search_read(
                [("id", "in", lots.ids), ("company_id", "in", [False, config.company_id.id])],
                POS_LOT_COLUMNS,
                load=False,
            )
            for row in rows:
                row["product_qty"] = quantities.get(row["id"], 0.0)
        now = fields.Datetime.now()
        unsellable = []
        for row in rows:
            sellable = is_sellable(
                now, row["quality_state"], row["expiration_date"], row["removal_date"]
            )
            row["sale_block_reason"] = False
            if not sellable:
                unsellable.append(row)
        # One read for all the lots that may not be sold, to word why.
        records = self.sudo().browse([row["id"] for row in unsellable])
        for row, lot in zip(unsellable, records, strict=True):
            row["sale_block_reason"] = lot._lot_tracking_block_reason(now)
        return rows

    @api.model
    def _lot_tracking_pos_stock_rows(self, config, quant_domain=None):
        """The lots in stock at the location of ``config`` with their quantity there: one
        grouped query (the quants' domain, ir rules included, joined to their lot), as the
        session loads thousands of them and a record per lot would cost the till a few times
        as much."""
        if quant_domain is None:
            quant_domain = [
                ("product_id.tracking", "=", "lot"),
                ("product_id.available_in_pos", "=", True),
            ]
        # Like core: POS users read lot stock without Inventory rights.
        query = (
            self.env["stock.quant"]
            .sudo()
            ._search(self._lot_tracking_pos_quant_domain(config, quant_domain))
        )
        lot = query.join("stock_quant", "lot_id", "stock_lot", "id", "pos_lot")
        query.add_where(
            SQL(
                "(%(company)s IS NULL OR %(company)s = %(id)s)",
                company=SQL.identifier(lot, "company_id"),
                id=config.company_id.id,
            )
        )
        query.groupby = SQL.identifier(lot, "id")
        query.order = None
        rows = self.env.execute_query(
            query.select(
                *(SQL.identifier(lot, name) for name in POS_LOT_COLUMNS),
                SQL("SUM(%s)", SQL.identifier("stock_quant", "quantity")),
            )
        )
        names = [*POS_LOT_COLUMNS, "product_qty"]
        return [dict(zip(names, row, strict=True)) for row in rows]
