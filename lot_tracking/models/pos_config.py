import statistics

from odoo import api, fields, models

from ..tools import period

# The bus notification that tells open sessions a lot's sale rules changed.
LOTS_CHANNEL = "LOT_TRACKING_LOTS"
LOTS_KEY = "lot_tracking.pos_lot_ids"


class PosConfig(models.Model):
    _inherit = "pos.config"

    lot_tracking_auto_select = fields.Boolean(
        "Pre-select First-to-Expire Lot",
        default=True,
        help="Adding a lot-tracked product puts its first-to-expire sellable lot on the line, "
        "without asking the cashier.",
    )
    lot_tracking_block_ineligible = fields.Boolean(
        "Block Unsellable Lots",
        default=True,
        help="Refuse a typed or scanned lot that is expired, recalled, blocked, in quarantine "
        "or unknown.",
    )

    def _lot_tracking_time_saved(self, date_from, date_to):
        """Time the automatic lot selection saved in these Points of Sale over
        ``[date_from, date_to]`` (order dates), from the lot selection time of each line."""
        start, end = period.bounds(date_from, date_to)
        domain = [
            ("order_id.config_id", "in", self.ids),
            ("order_id.state", "in", ["paid", "done", "invoiced"]),
            ("order_id.date_order", ">=", start),
            ("order_id.date_order", "<=", end),
            ("qty", ">", 0),
            ("lot_selection_ms", ">", 0),
        ]
        Line = self.env["pos.order.line"]
        times = dict(
            Line._read_group(domain, ["lot_auto_selected"], ["lot_selection_ms:array_agg"])
        )
        [[transactions]] = Line._read_group(domain, [], ["order_id:count_distinct"])
        auto, manual = times.get(True, []), times.get(False, [])
        auto_median = statistics.median(auto) if auto else 0
        manual_median = statistics.median(manual) if manual else 0
        saved_per_line = manual_median - auto_median
        saved_total = saved_per_line * len(auto)
        return {
            "auto_lines": len(auto),
            "manual_lines": len(manual),
            "auto_ms_median": auto_median,
            "manual_ms_median": manual_median,
            "saved_ms_per_line": saved_per_line,
            "saved_ms_total": saved_total,
            "transactions": transactions,
            "saved_ms_per_transaction": saved_total / transactions if transactions else 0,
        }

    @api.model
    def _lot_tracking_notify_lots(self, lots):
        """Push ``lots`` (their state, markdown or dates changed) to the open Point of Sale
        sessions. The changes of one transaction are gathered and sent once, before it
        commits: one notification per open POS with all its changed lots."""
        data = self.env.cr.precommit.data
        if LOTS_KEY not in data:
            data[LOTS_KEY] = set()
            self.env.cr.precommit.add(self._lot_tracking_send_lots)
        data[LOTS_KEY].update(lots.ids)

    def _lot_tracking_send_lots(self):
        lot_ids = self.env.cr.precommit.data.pop(LOTS_KEY, ())
        # System work: the tills of every company hear of their lots, whoever changed them.
        lots = (
            self.env["stock.lot"]
            .sudo()
            .browse(lot_ids)
            .exists()
            .filtered(lambda lot: lot.product_id.available_in_pos)
        )
        if not lots:
            return
        configs = self.env["pos.session"].sudo().search([("state", "!=", "closed")]).config_id
        Lot = self.env["stock.lot"].sudo()
        for config in configs:
            config_lots = lots.filtered(
                lambda lot, config=config: not lot.company_id or lot.company_id == config.company_id
            )
            if config_lots:
                config._notify(
                    LOTS_CHANNEL, {"stock.lot": Lot._lot_tracking_pos_rows(config, config_lots)}
                )
        self.env.flush_all()  # precommit: nothing flushes after us
