from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Point of Sale (pos.config) settings
    pos_lot_tracking_auto_select = fields.Boolean(
        related="pos_config_id.lot_tracking_auto_select", readonly=False
    )
    pos_lot_tracking_block_ineligible = fields.Boolean(
        related="pos_config_id.lot_tracking_block_ineligible", readonly=False
    )

    # Company settings (Point of Sale)
    lot_tracking_pos_gs1 = fields.Boolean(
        "GS1 Labels at the Till",
        compute="_compute_lot_tracking_pos_gs1",
        inverse="_inverse_lot_tracking_pos_gs1",
        readonly=False,
        help="Read GS1 labels (GTIN, lot, expiry) and GS1 Digital Link codes at the till; "
        "plain EAN-13 / UPC-A barcodes still scan through the fallback nomenclature.",
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

    @api.depends("barcode_nomenclature_id")
    def _compute_lot_tracking_pos_gs1(self):
        for settings in self:
            settings.lot_tracking_pos_gs1 = settings.barcode_nomenclature_id.is_gs1_nomenclature

    def _inverse_lot_tracking_pos_gs1(self):
        self.filtered("lot_tracking_pos_gs1").company_id._lot_tracking_read_gs1_at_till()

    @api.onchange("lot_tracking_pos_gs1")
    def _onchange_lot_tracking_pos_gs1(self):
        # The nomenclature shown beside it follows (and is what saving writes).
        if self.lot_tracking_pos_gs1 != self.barcode_nomenclature_id.is_gs1_nomenclature:
            self.barcode_nomenclature_id = self.env.ref(
                "barcodes_gs1_nomenclature.default_gs1_nomenclature"
                if self.lot_tracking_pos_gs1
                else "barcodes.default_barcode_nomenclature"
            )

    lot_tracking_safety_days = fields.Integer(
        related="company_id.lot_tracking_safety_days", readonly=False
    )
