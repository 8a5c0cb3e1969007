from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    def _lot_tracking_to_customer(self):
        """Does this move bring goods to a customer (directly or as a step of a delivery)?"""
        self.ensure_one()
        return "customer" in (self.location_dest_id.usage, self.location_final_id.usage)

    def _update_reserved_quantity(
        self, need, location_id, lot_id=None, package_id=None, owner_id=None, strict=True
    ):
        if self._lot_tracking_to_customer():
            self = self.with_context(lot_tracking_released_only=True)
        return super()._update_reserved_quantity(
            need, location_id, lot_id, package_id, owner_id, strict
        )

    def _get_available_quantity(
        self,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
        allow_negative=False,
    ):
        if self._lot_tracking_to_customer():
            self = self.with_context(lot_tracking_released_only=True)
        return super()._get_available_quantity(
            location_id, lot_id, package_id, owner_id, strict, allow_negative
        )

    def _action_done(self, cancel_backorder=False):
        # Pickings validated through button_validate were checked in their
        # _pre_action_done_hook, core's place for checks before a transfer is done. The rule
        # must hold on every path, so moves done without that hook are checked here: moves
        # without a picking, and `_action_done` called directly by other code.
        validated = self.env.context.get("button_validate_picking_ids") or ()
        self.filtered(lambda m: m.picking_id.id not in validated)._lot_tracking_check_held_lots()
        if pos_lines := self._lot_tracking_held_lines().filtered(
            lambda ml: ml.picking_id._lot_tracking_is_pos()
        ):
            pos_lines._lot_tracking_log_pos_violations()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._lot_tracking_log_shipped()
        return moves

    def _lot_tracking_held_lines(self):
        """Picked lines of these moves, not done, that take a lot that is not released to a
        customer."""
        return self.move_line_ids.filtered(
            lambda ml: (
                ml.picked
                and ml.state not in ("done", "cancel")
                and ml.lot_id.quality_state not in (False, "released")
                and ml._lot_tracking_to_customer()
            )
        )

    def _lot_tracking_check_held_lots(self):
        """Refuse to take a lot that is not released to a customer, whatever put it on the
        transfer, saying which lots and why. Point of Sale pickings are never refused: a lot
        that became unsellable after a ship-later sale ships with a ``violation`` event."""
        held = self._lot_tracking_held_lines().filtered(
            lambda ml: not ml.picking_id._lot_tracking_is_pos()
        )
        if held:
            raise UserError(
                self.env._(
                    "These lots may not be delivered to a customer:\n%(lines)s\nTake them off "
                    "the transfer and reserve released lots instead.",
                    lines="\n".join(
                        self.env._(
                            "%(transfer)s: %(product)s, lot %(lot)s (%(reason)s)",
                            transfer=line.picking_id.name or line.move_id.reference,
                            product=line.product_id.display_name,
                            lot=line.lot_id.name,
                            reason=line.lot_id.sale_block_reason,
                        )
                        for line in held
                    ),
                )
            )

    def _lot_tracking_log_shipped(self):
        """One ``shipped`` event per lot and delivery done to a customer (POS sales log
        ``sold``)."""
        quantities = defaultdict(float)
        for line in self.move_line_ids:
            if (
                line.lot_id
                and line.state == "done"
                and line.location_dest_id.usage == "customer"
                and not line.picking_id._lot_tracking_is_pos()
            ):
                quantities[line.lot_id, line.picking_id] += line.quantity_product_uom
        self.env["lot.tracking.event"].sudo().create(
            [
                {
                    "lot_id": lot.id,
                    "event_type": "shipped",
                    "picking_id": picking.id,
                    "quantity": quantity,
                    "user_id": self.env.uid,
                }
                for (lot, picking), quantity in quantities.items()
            ]
        )

    def _lot_tracking_label_quantity(self, data):
        """Quantity a parsed GS1 label (``gs1.parse``) brings to this move, in the move's unit:
        the net weight (AI 310n) or the count (AI 30, else 37), one unit without either.
        Zero or less is refused."""
        self.ensure_one()
        product = self.product_id
        if "310" in data:
            kg = self.env.ref("uom.product_uom_kgm")
            if product.uom_id.category_id != kg.category_id:
                raise UserError(
                    self.env._(
                        "The label gives a net weight but %(product)s is counted in %(uom)s.",
                        product=product.display_name,
                        uom=product.uom_id.name,
                    )
                )
            quantity = kg._compute_quantity(float(data["310"]), product.uom_id)
        else:
            quantity = next((data[ai] for ai in ("30", "37") if ai in data), 1)
        if quantity <= 0:
            raise UserError(
                self.env._(
                    "The label gives a quantity of %(quantity)s for %(product)s: a label must "
                    "count at least one unit. Check the label or enter the quantity by hand.",
                    quantity=quantity,
                    product=product.display_name,
                )
            )
        return product.uom_id._compute_quantity(quantity, self.product_uom)

    def _get_dest_account(self, accounts_data):
        if self.scrap_id.lot_tracking_write_off:
            return self.company_id.lot_tracking_expiry_loss_account_id.id
        return super()._get_dest_account(accounts_data)

    def _lot_tracking_unit_cost(self):
        """Unit cost, in company currency and product UoM, of a lot received by this move.

        Standard price products: the standard price. FIFO/AVCO: the purchase line's price,
        converted as core converts it for valuation; else the move's price or product cost.
        """
        self.ensure_one()
        product = self.product_id.with_company(self.company_id)
        line = self.purchase_line_id
        if product.cost_method == "standard":
            return product.standard_price
        if not line:
            return self.price_unit or product.standard_price
        order = line.order_id
        price = line._get_gross_price_unit()
        if order.currency_id != self.company_id.currency_id:
            price = order.currency_id._convert(
                price,
                self.company_id.currency_id,
                self.company_id,
                self._get_currency_convert_date(),
                round=False,
            )
        return price
