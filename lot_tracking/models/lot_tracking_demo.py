import datetime

from odoo import api, fields, models

from ..tools import gs1


class LotTrackingDemo(models.AbstractModel):
    """The demo's story, played through the module's own flows at install (demo data only)."""

    _name = "lot.tracking.demo"
    _description = "Lot Tracking demo scenario"

    @api.model
    def _play(self, order_id, customer_id):
        """Receive the demo purchase by scanning GS1 labels, sell some of it, and show every
        quality state: a blocked lot, and a recall of a lot a customer already received."""
        company = self.env.company
        if not company.lot_tracking_expiry_loss_account_id:
            company.lot_tracking_expiry_loss_account_id = self.env["account.account"].search(
                [
                    *self.env["account.account"]._check_company_domain(company),
                    ("account_type", "=", "expense"),
                    ("deprecated", "=", False),
                ],
                limit=1,
            )
        lots = self._receive(self.env["purchase.order"].browse(order_id))
        dated = lots.filtered(lambda lot: lot.supplier_lot_code == "FF-B")
        blocked, recalled = dated[:1], dated[1:2]
        blocked._lot_tracking_set_quality_state(
            "blocked", note=self.env._("Demo: temperature log missing from the delivery.")
        )
        self._deliver(recalled, 2, self.env["res.partner"].browse(customer_id))
        recall = self.env["lot.tracking.recall"].create(
            {
                "reason": self.env._("Demo: supplier recall notice (possible Listeria)."),
                "lot_ids": [fields.Command.set(recalled.ids)],
            }
        )
        recall.action_activate()

    @api.model
    def _receive(self, order):
        receipt = order.picking_ids[:1]
        today = fields.Date.context_today(self)
        labels = []  # (product, supplier lot code, days to expiry, count)
        for line in order.order_line:
            product, qty = line.product_id, int(line.product_qty)
            days = product.expiration_time
            short = product.receipt_min_shelf_life_days - 1
            labels += [
                (product, "FF-A", days, qty // 2),
                (product, "FF-B", days - 7, qty // 4),
                (product, "FF-C", short, qty - qty // 2 - qty // 4),  # all of it: no backorder
            ]
        for product, code, days, count in labels:
            receipt.lot_tracking_scan(
                gs1.build(
                    {
                        "01": gs1.normalize_gtin(product.barcode),
                        "10": code,
                        "17": today + datetime.timedelta(days=days),
                        "37": count,
                    }
                )
            )
        receipt.move_ids.picked = True
        receipt.button_validate()
        return receipt.move_line_ids.lot_id

    @api.model
    def _deliver(self, lot, quantity, customer):
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "move_ids": [
                    fields.Command.create(
                        {
                            "name": lot.product_id.display_name,
                            "product_id": lot.product_id.id,
                            "product_uom_qty": quantity,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {**picking.move_ids._prepare_move_line_vals(quantity=quantity), "lot_id": lot.id}
        )
        picking.move_ids.picked = True
        picking.button_validate()
