from odoo import fields, models


class LotTrackingQualityWizard(models.TransientModel):
    _name = "lot.tracking.quality.wizard"
    _description = "Change the quality state of lots"

    lot_ids = fields.Many2many("stock.lot", required=True)
    new_state = fields.Selection(
        [
            ("quarantine", "Quarantine"),
            ("released", "Released"),
            ("blocked", "Blocked"),
        ],
        required=True,
    )
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        self.env["stock.lot"]._lot_tracking_check_manager(
            self.env._("Only Lot Tracking managers can change a lot's state.")
        )
        self.lot_ids._lot_tracking_set_quality_state(self.new_state, note=self.reason)
        return {"type": "ir.actions.act_window_close"}
