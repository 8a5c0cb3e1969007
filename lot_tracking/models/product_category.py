from odoo import fields, models

from odoo.addons.stock_account.models.product import (
    ProductCategory as StockAccountProductCategory,
)

COSTING_FIELDS = ("property_cost_method", "property_valuation")


class ProductCategory(models.Model):
    _inherit = "product.category"

    lot_sequence_id = fields.Many2one(
        "ir.sequence",
        help="Numbers the lots created at receipt for products of this category. "
        "Empty: the Lot Tracking default sequence.",
    )

    def write(self, vals):
        costing_vals = {name: vals[name] for name in COSTING_FIELDS if name in vals}
        lot_categories = self._lot_tracking_lot_valued() if costing_vals else self.browse()
        if not lot_categories:
            return super().write(vals)
        # Core refuses, at the top of its write and with no hook, any change of costing method
        # or valuation of a category holding lot-valued products with valuation layers. This is
        # the one place where the module takes values out of core's write and applies them
        # itself (with moving such a product to another category, product_template.py),
        # revaluing the stock lot by lot at each lot's own cost.
        other_vals = {name: value for name, value in vals.items() if name not in costing_vals}
        if self - lot_categories:
            super(ProductCategory, self - lot_categories).write(vals)
        if other_vals:
            super(ProductCategory, lot_categories).write(other_vals)
        return lot_categories._lot_tracking_write_costing(costing_vals)

    def _lot_tracking_lot_valued(self):
        """The categories of ``self`` whose costing core refuses to change (same test as core)."""
        products = self.env["product.product"].search(
            [
                ("categ_id", "in", self.ids),
                ("lot_valuated", "=", True),
                ("stock_valuation_layer_ids", "!=", False),
            ]
        )
        return products.categ_id & self

    def _lot_tracking_write_costing(self, costing_vals):
        """Write ``costing_vals`` (costing method, valuation) for the current company, and
        revalue that company's stock as core does, but lot by lot at each lot's own cost."""
        Product = self.env["product.product"]
        new_method = costing_vals.get("property_cost_method")
        new_valuation = costing_vals.get("property_valuation")
        changed = self.filtered(
            lambda c: (
                (new_method and new_method != c.property_cost_method)
                or (new_valuation and new_valuation != c.property_valuation)
            )
        )
        Product.search([("categ_id", "in", changed.ids)])._lot_tracking_check_lot_stock()
        move_vals_list = []
        emptied = []
        for category in changed:
            if new_method:
                description = self.env._(
                    "Costing method change for product category %(category)s: from "
                    "%(old_method)s to %(new_method)s.",
                    category=category.display_name,
                    old_method=category.property_cost_method,
                    new_method=new_method,
                )
            else:
                description = self.env._(
                    "Valuation method change for product category %(category)s: from "
                    "%(old_method)s to %(new_method)s.",
                    category=category.display_name,
                    old_method=category.property_valuation,
                    new_method=new_valuation,
                )
            products, orig_quantities, out_layers, empty_move_vals = (
                Product._lot_tracking_svl_empty_stock(description, product_category=category)
            )
            move_vals_list += empty_move_vals
            emptied.append((products, description, orig_quantities, out_layers))
        # Skip stock_account's write, which refuses these values; everything below it runs.
        res = super(StockAccountProductCategory, self).write(  # pylint: disable=super-method-mismatch
            costing_vals
        )
        for products, description, orig_quantities, out_layers in emptied:
            move_vals_list += products._lot_tracking_svl_replenish_stock(
                description, orig_quantities, out_layers
            )
        Product._lot_tracking_post_revaluation_moves(move_vals_list)
        return res
