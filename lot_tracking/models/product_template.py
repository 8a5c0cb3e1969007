from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.stock_account.models.product import (
    ProductTemplate as StockAccountProductTemplate,
)


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
        moving = self._lot_tracking_moving_lot_valued(vals)
        if moving:
            # Core cannot move these between costings lot by lot: the module applies the
            # category itself (see _lot_tracking_write_category).
            if self - moving:
                (self - moving).write(vals)
            return moving._lot_tracking_write_category(vals)
        res = super().write(vals)
        if {"tracking", "is_storable"} & set(vals) and "lot_valuated" not in vals:
            # Only products without stock: core's switch would revalue existing stock.
            self.filtered(
                lambda t: not any(t.product_variant_ids.mapped("quantity_svl"))
            )._lot_tracking_force_lot_valuation()
        return res

    def _lot_tracking_moving_lot_valued(self, vals):
        """Templates of ``self`` that ``vals`` moves to another category while they stay
        valued by lot and have valuation layers."""
        if "categ_id" not in vals or not vals.get("lot_valuated", True):
            return self.browse()
        candidates = self.filtered(lambda t: t.lot_valuated and t.categ_id.id != vals["categ_id"])
        if not candidates:
            return candidates
        with_layers = (
            self.env["stock.valuation.layer"]
            .sudo()
            ._read_group([("product_id.product_tmpl_id", "in", candidates.ids)], ["product_id"])
        )
        return candidates & self.browse([product.product_tmpl_id.id for (product,) in with_layers])

    def _lot_tracking_write_category(self, vals):
        """Move lot-valued templates to ``vals['categ_id']``, revaluing their stock lot by lot.

        Core refuses to move a lot-valued product with valuation layers to a category with
        another costing method, and when only the valuation differs it refills every lot at the
        product cost and gives every lot that cost. As in ``product.category.write``, the module
        takes the category out of core's write and applies it itself: in each company whose
        costing changes, the stock is emptied per lot and refilled at each lot's own cost.
        """
        Product = self.env["product.product"]
        new_category = self.env["product.category"].browse(vals["categ_id"])
        layer_groups = (
            self.env["stock.valuation.layer"]
            .sudo()
            ._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)], ["product_id", "company_id"]
            )
        )
        impacted = {}  # company: templates whose costing changes there
        for product, company in layer_groups:
            old = product.product_tmpl_id.with_company(company).categ_id
            new = new_category.with_company(company)
            if (old.property_cost_method, old.property_valuation) != (
                new.property_cost_method,
                new.property_valuation,
            ):
                impacted[company] = impacted.get(company, self.browse()) | product.product_tmpl_id
        hidden = set(impacted) - set(self.env.companies)
        if hidden:
            raise UserError(
                self.env._(
                    "Moving %(products)s to %(category)s changes how their stock is valued in "
                    "%(companies)s. Select these companies too, so that their stock is revalued "
                    "lot by lot, then try again.",
                    products=", ".join(
                        self.browse().union(*impacted.values()).mapped("display_name")
                    ),
                    category=new_category.display_name,
                    companies=", ".join(company.name for company in hidden),
                )
            )
        for company, templates in impacted.items():
            Product.with_company(company).search(
                [("product_tmpl_id", "in", templates.ids)]
            )._lot_tracking_check_lot_stock()
        move_vals_list = []
        emptied = []
        for company, templates in impacted.items():
            new_method = new_category.with_company(company).property_cost_method
            for template in templates.with_company(company):
                description = self.env._(
                    "Due to a change of product category (from %(old_category)s to "
                    "%(new_category)s), the costing method has changed for product "
                    "%(product)s: from %(old_method)s to %(new_method)s.",
                    old_category=template.categ_id.display_name,
                    new_category=new_category.display_name,
                    product=template.display_name,
                    old_method=template.cost_method,
                    new_method=new_method,
                )
                products, orig_quantities, out_layers, empty_move_vals = Product.with_company(
                    company
                )._lot_tracking_svl_empty_stock(description, product_template=template)
                move_vals_list += empty_move_vals
                emptied.append((products, description, orig_quantities, out_layers))
        other_vals = {name: value for name, value in vals.items() if name != "categ_id"}
        if other_vals:
            self.write(other_vals)
        # Skip stock_account's write, which refuses or misprices the move; the rest runs.
        res = super(StockAccountProductTemplate, self).write(  # pylint: disable=super-method-mismatch
            {"categ_id": vals["categ_id"]}
        )
        for products, description, orig_quantities, out_layers in emptied:
            move_vals_list += products._lot_tracking_svl_replenish_stock(
                description, orig_quantities, out_layers
            )
        for company in impacted:
            Product.with_company(company)._lot_tracking_post_revaluation_moves(
                [move for move in move_vals_list if move["company_id"] == company.id]
            )
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
