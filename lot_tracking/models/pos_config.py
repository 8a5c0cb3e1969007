from odoo import api, fields, models

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
        order_line = self.env["pos.order.line"].sudo()
        for config in configs:
            config_lots = lots.filtered(
                lambda lot, config=config: not lot.company_id or lot.company_id == config.company_id
            )
            if config_lots:
                config._notify(
                    LOTS_CHANNEL, {"lots": order_line._lot_tracking_pos_lots(config, config_lots)}
                )
        self.env.flush_all()  # precommit: nothing flushes after us
