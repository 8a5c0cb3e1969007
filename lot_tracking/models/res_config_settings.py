from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Point of Sale (pos.config) settings
    pos_lot_tracking_auto_select = fields.Boolean(
        related="pos_config_id.lot_tracking_auto_select", readonly=False
    )
    pos_lot_tracking_block_ineligible = fields.Boolean(
        related="pos_config_id.lot_tracking_block_ineligible", readonly=False
    )

    # Company settings (Inventory)
    lot_tracking_force_lot_valuation = fields.Boolean(
        related="company_id.lot_tracking_force_lot_valuation", readonly=False
    )
    lot_tracking_expiry_loss_account_id = fields.Many2one(
        related="company_id.lot_tracking_expiry_loss_account_id", readonly=False
    )
    lot_tracking_expiry_warning_days = fields.Integer(
        related="company_id.lot_tracking_expiry_warning_days", readonly=False
    )
    lot_tracking_auto_write_off = fields.Boolean(
        related="company_id.lot_tracking_auto_write_off", readonly=False
    )
    lot_tracking_observation_days = fields.Integer(
        related="company_id.lot_tracking_observation_days", readonly=False
    )
    lot_tracking_velocity_days = fields.Integer(
        related="company_id.lot_tracking_velocity_days", readonly=False
    )
    lot_tracking_count_tolerance = fields.Float(
        related="company_id.lot_tracking_count_tolerance", readonly=False
    )
    lot_tracking_safety_days = fields.Integer(
        related="company_id.lot_tracking_safety_days", readonly=False
    )
