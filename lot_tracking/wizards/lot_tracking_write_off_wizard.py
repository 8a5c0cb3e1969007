from odoo import fields, models


class LotTrackingWriteOffWizard(models.TransientModel):
    _name = "lot.tracking.write.off.wizard"
    _description = "Write off lots"

    lot_ids = fields.Many2many("stock.lot", required=True)
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        self.lot_ids.action_lot_tracking_write_off(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
