from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    gln = fields.Char(related="partner_id.gln", readonly=False)

    lot_tracking_force_lot_valuation = fields.Boolean(
        "Value Lot-Tracked Products by Lot",
        default=True,
        help="New lot-tracked storable products, and products switched to lot tracking while "
        "they have no stock, are valued by lot (each lot at its own cost).",
    )
    lot_tracking_expiry_loss_account_id = fields.Many2one(
        "account.account",
        string="Expiry Loss Account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Debited when expired or recalled lots are written off.",
    )
    lot_tracking_expiry_warning_days = fields.Integer(
        "Expiry Warning Days",
        default=30,
        help="Lots with stock are alerted this many days before they expire, unless their "
        "product has its own alert time.",
    )
    lot_tracking_auto_write_off = fields.Boolean(
        "Write Off Expired Lots Automatically",
        help="The daily expiry run writes off the stock of expired lots.",
    )
    lot_tracking_velocity_days = fields.Integer(
        "Sales Velocity Window",
        default=30,
        help="Days of past sales used to project when each lot will sell out.",
    )
