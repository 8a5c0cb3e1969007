from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _lot_tracking_check_lot_stock(self):
        """Refuse, naming them, lot-valued products of ``self`` whose stock in the current
        company cannot be revalued lot by lot: stock without a lot, or lots below zero.

        Both the valuation layers and the quants in valued locations are checked.
        """
        products = self.filtered("lot_valuated")
        if not products:
            return
        company = self.env.company
        without_lot = self.browse()
        lot_qty = defaultdict(float)
        layer_groups = (
            self.env["stock.valuation.layer"]
            .sudo()
            ._read_group(
                [("product_id", "in", products.ids), ("company_id", "=", company.id)],
                ["product_id", "lot_id"],
                ["quantity:sum"],
            )
        )
        negative = self.env["stock.lot"]
        for product, lot, quantity in layer_groups:
            rounding = product.uom_id.rounding
            if not lot and not float_is_zero(quantity, precision_rounding=rounding):
                without_lot |= product
            elif lot and float_compare(quantity, 0, precision_rounding=rounding) < 0:
                negative |= lot
        quant_groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [("product_id", "in", products.ids), ("company_id", "=", company.id)],
                ["product_id", "lot_id", "location_id"],
                ["quantity:sum"],
            )
        )
        for product, lot, location, quantity in quant_groups:
            if not location._should_be_valued():
                continue
            if lot:
                lot_qty[lot] += quantity
            elif not float_is_zero(quantity, precision_rounding=product.uom_id.rounding):
                without_lot |= product
        for lot, quantity in lot_qty.items():
            if float_compare(quantity, 0, precision_rounding=lot.product_id.uom_id.rounding) < 0:
                negative |= lot
        if without_lot or negative:
            problems = []
            if without_lot:
                problems.append(
                    self.env._(
                        "stock without a lot of %(products)s",
                        products=", ".join(without_lot.mapped("display_name")),
                    )
                )
            if negative:
                problems.append(
                    self.env._(
                        "negative quantity of lots %(lots)s",
                        lots=", ".join(
                            f"{lot.name} ({lot.product_id.display_name})" for lot in negative
                        ),
                    )
                )
            raise UserError(
                self.env._(
                    "The stock of %(company)s cannot be revalued lot by lot: %(problems)s.\n"
                    "Give every unit in stock a lot and correct negative lots with an inventory "
                    "adjustment, then change the costing again.",
                    company=company.name,
                    problems="; ".join(problems),
                )
            )

    @api.model
    def _lot_tracking_svl_empty_stock(
        self, description, product_category=None, product_template=None
    ):
        """Empty the current company's stock of a category or template with core's
        ``_svl_empty_stock`` (per lot for lot-valued products), valued and booked under the
        costing in force before the change.

        :return: (products, their original quantities, out layers, journal entry values)
        """
        # Core empties every lot with stock in the allowed companies, and fails on a lot that
        # has none in this one: only this company's stock is in view.
        company = self.env.company
        out_vals_list, orig_quantities, products = self.with_context(
            allowed_company_ids=company.ids
        )._svl_empty_stock(
            description, product_category=product_category, product_template=product_template
        )
        out_layers = self.env["stock.valuation.layer"].sudo().create(out_vals_list)
        move_vals_list = self.with_context(
            products_orig_quantity_svl=orig_quantities
        )._svl_empty_stock_am(
            out_layers.filtered(lambda layer: layer.product_id.valuation == "real_time")
        )
        return products, orig_quantities, out_layers, move_vals_list

    def _lot_tracking_svl_replenish_stock(self, description, orig_quantities, out_layers):
        """Refill the stock ``_lot_tracking_svl_empty_stock`` took out, under the new costing.

        Lot-valued products get one layer per lot at that lot's own unit cost: what emptying
        took out of the lot, divided by its quantity (not core's ``_svl_replenish_stock``, which
        prices every lot at the product cost). Each lot's cost becomes that unit cost (not
        core's ``_update_lots_standard_price``, which gives every lot the product cost), also
        under standard price: core 18 values a standard-price lot at its own
        ``stock.lot.standard_price`` and only overwrites it when the product cost is changed.
        Other products are refilled by core.

        :return: journal entry values, one entry per layer in automated valuation
        """
        company = self.env.company
        lot_products = self.filtered("lot_valuated")
        in_vals_list = []
        if self - lot_products:
            in_vals_list += (self - lot_products)._svl_replenish_stock(description, orig_quantities)
        lot_costs = {}
        for layer in out_layers.filtered(
            # a lot whose layers net to zero was emptied of nothing: nothing to put back
            lambda layer: layer.lot_id and layer.product_id in lot_products and layer.quantity
        ):
            quantity = -layer.quantity
            unit_cost = -layer.value / quantity
            vals = layer.product_id._prepare_in_svl_vals(quantity, unit_cost, lot=layer.lot_id)
            vals.update(description=description, company_id=company.id)
            in_vals_list.append(vals)
            lot_costs[layer.lot_id] = unit_cost
        in_layers = self.env["stock.valuation.layer"].sudo().create(in_vals_list)
        lots_by_cost = defaultdict(lambda: self.env["stock.lot"])
        for lot, unit_cost in lot_costs.items():
            lots_by_cost[unit_cost] |= lot
        for unit_cost, lots in lots_by_cost.items():
            lots.with_company(company).with_context(disable_auto_svl=True).sudo().write(
                {"standard_price": unit_cost}
            )
        # FIFO and AVCO lot-valued products cost what their lots are worth on average, as core
        # keeps them after each move; a standard price stays the administrator's.
        for product in lot_products.filtered(lambda p: p.cost_method != "standard"):
            if (
                float_compare(product.quantity_svl, 0, precision_rounding=product.uom_id.rounding)
                > 0
            ):
                product.with_context(disable_auto_svl=True).sudo().write(
                    {"standard_price": product.value_svl / product.quantity_svl}
                )
        return self._svl_replenish_stock_am(
            in_layers.filtered(lambda layer: layer.product_id.valuation == "real_time")
        )

    @api.model
    def _lot_tracking_post_revaluation_moves(self, move_vals_list):
        """Post the journal entries of a revaluation, with core's access check."""
        if not move_vals_list:
            return
        if not self.env["stock.valuation.layer"].has_access("read"):
            raise UserError(
                self.env._(
                    "The action leads to the creation of a journal entry, for which you don't "
                    "have the access rights."
                )
            )
        self.env["account.move"].sudo().create(move_vals_list)._post()
