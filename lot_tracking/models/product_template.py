from odoo import api, fields, models
from odoo.exceptions import UserError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    receipt_min_shelf_life_days = fields.Integer(
        "Minimum Shelf Life at Receipt",
        help="A lot received with fewer days left before its expiration date goes to "
        "quarantine. 0 disables the check.",
    )

    _sql_constraints = [
        (
            "receipt_min_shelf_life_days_positive",
            "CHECK(receipt_min_shelf_life_days >= 0)",
            "The minimum shelf life at receipt cannot be negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        implicit = [
            t.id for t, vals in zip(templates, vals_list, strict=True) if "lot_valuated" not in vals
        ]
        self.browse(implicit)._lot_tracking_force_lot_valuation()
        return templates

    def write(self, vals):
        res = super().write(vals)
        if {"tracking", "is_storable"} & set(vals) and "lot_valuated" not in vals:
            # Only products without stock: core's switch would revalue existing stock.
            self.filtered(
                lambda t: not any(t.product_variant_ids.mapped("quantity_svl"))
            )._lot_tracking_force_lot_valuation()
        return res

    def _lot_tracking_force_lot_valuation(self):
        """Value lot-tracked storable products by lot where their company asks for it."""
        templates = self.filtered(
            lambda t: (
                t.is_storable
                and t.tracking == "lot"
                and not t.lot_valuated
                and (t.company_id or self.env.company).lot_tracking_force_lot_valuation
            )
        )
        if templates:
            templates.write({"lot_valuated": True})

    def action_lot_tracking_value_by_lot(self):
        """Switch products with stock to valuation by lot, through core's own mechanism.

        Core empties the stock at the product's cost and refills it lot by lot at that same
        cost; it refuses stock without a lot and negative stock.
        """
        for template in self.filtered(lambda t: not t.lot_valuated):
            try:
                with self.env.cr.savepoint():
                    template.lot_valuated = True
            except UserError as error:
                raise UserError(
                    self.env._(
                        "%(product)s cannot be valued by lot yet: %(reason)s\n"
                        "Give every unit in stock a lot (and correct negative stock) with an "
                        "inventory adjustment, then try again.",
                        product=template.display_name,
                        reason=error.args[0],
                    )
                ) from error
        return True
