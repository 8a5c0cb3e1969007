from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.digital_link import is_valid_gln


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    gln = fields.Char(
        "GLN",
        size=13,
        copy=False,
        index="btree_not_null",
        help="GS1 Global Location Number of this site (13 digits): the business location of "
        "its EPCIS events.",
    )

    @api.constrains("gln")
    def _check_gln(self):
        for warehouse in self:
            if warehouse.gln and not is_valid_gln(warehouse.gln):
                raise ValidationError(
                    self.env._(
                        "%(gln)s is not a valid GLN: enter the 13 digits GS1 gave, check digit "
                        "included.",
                        gln=warehouse.gln,
                    )
                )
