from odoo import fields, models


class LotTrackingVendorScore(models.Model):
    """How each supplier's lots fared, over all time: one row per supplier and company."""

    _name = "lot.tracking.vendor.score"
    _description = "Vendor Lot Scorecard"
    _auto = False
    _rec_name = "partner_id"
    _order = "lots_received desc, partner_id"
    _depends = {
        "stock.lot": [
            "supplier_id",
            "company_id",
            "product_id",
            "receipt_picking_id",
            "receipt_date",
            "expiration_date",
            "production_date",
            "quality_state",
        ],
        "stock.picking": ["company_id"],
        "lot.tracking.event": ["lot_id", "event_type", "picking_id"],
        "stock.valuation.layer": ["lot_id", "value", "stock_move_id"],
        "stock.move": ["location_id", "scrap_id"],
        "stock.scrap": ["lot_tracking_write_off"],
        "product.template": ["expiration_time"],
    }

    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    lots_received = fields.Integer(readonly=True)
    shelf_life_at_receipt_pct = fields.Float(
        "Shelf Life Left at Receipt (%)",
        readonly=True,
        aggregator="avg",
        help="Mean over the received lots with an expiration date of the shelf life left at "
        "receipt, as a share of the total shelf life (from the production date when known, "
        "else the product's expiration time).",
    )
    short_dated_pct = fields.Float(
        "Short-Dated (%)",
        readonly=True,
        aggregator="avg",
        help="Lots put in quarantine at receipt for too short a shelf life.",
    )
    blocked_lots = fields.Integer(readonly=True)
    recalled_lots = fields.Integer(readonly=True)
    purchased_value = fields.Monetary(readonly=True)
    write_off_value = fields.Monetary("Written-off Value", readonly=True)
    write_off_value_pct = fields.Float(
        "Written Off (% of Value)",
        readonly=True,
        aggregator="avg",
        help="Value of the lots written off (expired or recalled) as a share of their "
        "purchased value.",
    )
    on_time_rate = fields.Float(related="partner_id.on_time_rate", string="On-Time Delivery (%)")

    def _select(self):
        return """
            MIN(lot.id) AS id,
            lot.supplier_id AS partner_id,
            COALESCE(lot.company_id, receipt.company_id) AS company_id,
            COUNT(*) AS lots_received,
            AVG(100.0 * (lot.expiration_date::date - COALESCE(lot.receipt_date, lot.create_date)::date)
                / NULLIF(CASE WHEN lot.production_date IS NOT NULL
                              THEN lot.expiration_date::date - lot.production_date
                              ELSE template.expiration_time END, 0)
            ) FILTER (WHERE lot.expiration_date IS NOT NULL) AS shelf_life_at_receipt_pct,
            100.0 * COUNT(*) FILTER (
                WHERE lot.receipt_picking_id = ANY(event.quarantined_pickings)
            ) / COUNT(*) AS short_dated_pct,
            COUNT(*) FILTER (WHERE lot.quality_state = 'blocked' OR event.blocked) AS blocked_lots,
            COUNT(*) FILTER (WHERE lot.quality_state = 'recalled' OR event.recalled)
                AS recalled_lots,
            COALESCE(SUM(layer.purchased), 0) AS purchased_value,
            COALESCE(SUM(layer.written_off), 0) AS write_off_value,
            COALESCE(100.0 * SUM(layer.written_off) / NULLIF(SUM(layer.purchased), 0), 0)
                AS write_off_value_pct
        """

    def _from(self):
        return """
            stock_lot lot
            JOIN product_product product ON product.id = lot.product_id
            JOIN product_template template ON template.id = product.product_tmpl_id
            LEFT JOIN stock_picking receipt ON receipt.id = lot.receipt_picking_id
            LEFT JOIN (
                SELECT event.lot_id,
                       ARRAY_AGG(event.picking_id) FILTER (WHERE event.event_type = 'quarantined')
                           AS quarantined_pickings,
                       BOOL_OR(event.event_type = 'blocked') AS blocked,
                       BOOL_OR(event.event_type = 'recalled') AS recalled
                  FROM lot_tracking_event event
                 WHERE event.event_type IN ('quarantined', 'blocked', 'recalled')
              GROUP BY event.lot_id
            ) event ON event.lot_id = lot.id
            LEFT JOIN (
                SELECT svl.lot_id,
                       SUM(svl.value) FILTER (WHERE source.usage = 'supplier') AS purchased,
                       -SUM(svl.value) FILTER (WHERE scrap.lot_tracking_write_off) AS written_off
                  FROM stock_valuation_layer svl
                  JOIN stock_move move ON move.id = svl.stock_move_id
                  JOIN stock_location source ON source.id = move.location_id
             LEFT JOIN stock_scrap scrap ON scrap.id = move.scrap_id
                 WHERE svl.lot_id IS NOT NULL
              GROUP BY svl.lot_id
            ) layer ON layer.lot_id = lot.id
        """

    def _where(self):
        return """
            lot.supplier_id IS NOT NULL
        """

    def _group_by(self):
        return """
            lot.supplier_id,
            COALESCE(lot.company_id, receipt.company_id)
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
