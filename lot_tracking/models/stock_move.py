from odoo import models


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
