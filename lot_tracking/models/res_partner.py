from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.digital_link import is_valid_gln


class ResPartner(models.Model):
    _inherit = "res.partner"

    lot_tracking_lots_received = fields.Integer(
        "Lots Received",
        compute="_compute_lot_tracking_lots_received",
        groups="lot_tracking.group_lot_tracking_user",
    )

    def _compute_lot_tracking_lots_received(self):
        # counted on the lots themselves: the scorecard's query covers every vendor's history
        counts = dict(
            self.env["stock.lot"]._read_group(
                [("supplier_id", "in", self.commercial_partner_id.ids)],
                ["supplier_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.lot_tracking_lots_received = counts.get(partner.commercial_partner_id, 0)

    @api.readonly
    def action_lot_tracking_vendor_score(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lot_tracking.lot_tracking_vendor_score_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    gln = fields.Char(
        "GLN",
        size=13,
        copy=False,
        index="btree_not_null",
        help="GS1 Global Location Number of this party (13 digits): how supply-chain "
        "partners and EPCIS events name it.",
    )

    @api.constrains("gln")
    def _check_gln(self):
        for partner in self:
            if partner.gln and not is_valid_gln(partner.gln):
                raise ValidationError(
                    self.env._(
                        "%(gln)s is not a valid GLN: enter the 13 digits GS1 gave, check digit "
                        "included.",
                        gln=partner.gln,
                    )
                )
