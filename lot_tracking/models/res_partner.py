from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.digital_link import is_valid_gln


class ResPartner(models.Model):
    _inherit = "res.partner"

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
