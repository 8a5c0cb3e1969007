import datetime

from odoo import Command, fields
from odoo.tests import Form

from odoo.addons.stock_account.tests.test_anglo_saxon_valuation_reconciliation_common import (
    ValuationReconciliationTestCommon,
)

from ..tools import gs1


def create_transfer(picking_type, product, qty, source=None, dest=None, partner=None):
    """A confirmed (and reserved where stock allows) transfer of ``qty`` ``product``, made in
    the picking type's environment, between the type's default locations unless given."""
    source = source or picking_type.default_location_src_id
    dest = dest or picking_type.default_location_dest_id
    picking = picking_type.env["stock.picking"].create(
        {
            "picking_type_id": picking_type.id,
            "partner_id": partner.id if partner else False,
            "location_id": source.id,
            "location_dest_id": dest.id,
            "move_ids": [
                Command.create(
                    {
                        "name": product.name,
                        "product_id": product.id,
                        "product_uom_qty": qty,
                        "location_id": source.id,
                        "location_dest_id": dest.id,
                    }
                )
            ],
        }
    )
    picking.action_confirm()
    picking.action_assign()
    return picking


class LotTrackingCommon(ValuationReconciliationTestCommon):
    """A company with accounting (Odoo's own set-up), a food supplier and lot-tracked products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls.warehouse = cls.company_data["default_warehouse"]
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.supplier = cls.env["res.partner"].create(
            {"name": "Fresh Fields Foods", "company_id": False}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Corner Shop"})
        cls.yogurt = cls._create_lot_product("Yogurt", "2000000000015", expiration_time=20)
        cls.cheese = cls._create_lot_product("Cheese", "2000000000022", expiration_time=90)
        cls.manager = cls._create_user(
            "lt_manager", "stock.group_stock_user", "lot_tracking.group_lot_tracking_manager"
        )
        cls.stock_user = cls._create_user("lt_stock_user", "stock.group_stock_user")

    @classmethod
    def _create_user(cls, login, *groups):
        return cls.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set([cls.env.ref(g).id for g in ("base.group_user", *groups)])
                ],
            }
        )

    @classmethod
    def _create_lot_product(cls, name, barcode, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "barcode": barcode,
                "categ_id": cls.stock_account_product_categ.id,
                "standard_price": 5.0,
                "expiration_time": 30,
                **vals,
            }
        )

    @classmethod
    def _purchase(cls, lines, partner=None, currency=None):
        """Confirm a purchase of ``[(product, qty, price), …]`` and return its receipt."""
        order = cls.env["purchase.order"].create(
            {
                "partner_id": (partner or cls.supplier).id,
                "company_id": cls.company.id,
                "currency_id": (currency or cls.company.currency_id).id,
                "picking_type_id": cls.warehouse.in_type_id.id,
                "order_line": [
                    Command.create({"product_id": p.id, "product_qty": q, "price_unit": price})
                    for p, q, price in lines
                ],
            }
        )
        order.button_confirm()
        return order.picking_ids

    @staticmethod
    def _validate(picking):
        """Validate as a user would, creating the backorder if Odoo asks."""
        picking.move_ids.picked = True
        action = picking.button_validate()
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            wizard = Form(picking.env[action["res_model"]].with_context(**action["context"]))
            wizard.save().process()
        return picking

    @classmethod
    def _stock_lot(cls, product, name, qty, days=None, location=None, **vals):
        """A lot of ``product`` expiring in ``days`` (None: no expiry) with ``qty`` on hand in
        ``location`` (default: the warehouse's stock)."""
        lot = cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": product.id,
                "company_id": cls.company.id,
                "expiration_date": days is not None
                and fields.Datetime.now() + datetime.timedelta(days=days),
                **vals,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, location or cls.stock_location, qty, lot_id=lot
        )
        return lot

    @classmethod
    def _picking(cls, picking_type, product, qty, source=None, dest=None, partner=None):
        """A confirmed (and reserved where stock allows) transfer of ``qty`` ``product``
        (see ``create_transfer``); ``partner`` defaults to the customer (an empty recordset:
        none)."""
        partner = cls.customer if partner is None else partner
        return create_transfer(picking_type, product, qty, source, dest, partner)

    @classmethod
    def _delivery(cls, product, qty, partner=None, location=None):
        customers = cls.env.ref("stock.stock_location_customers")
        return cls._picking(
            cls.warehouse.out_type_id,
            product,
            qty,
            source=location or cls.stock_location,
            dest=customers,
            partner=partner,
        )

    @staticmethod
    def _put_lot(picking, lot, qty):
        """Replace what the picking reserved by ``qty`` of ``lot``, chosen by hand."""
        picking.move_ids.move_line_ids.unlink()
        return picking.env["stock.move.line"].create(
            {**picking.move_ids._prepare_move_line_vals(quantity=qty), "lot_id": lot.id}
        )

    @classmethod
    def _deliver(cls, product, lot, qty, partner=None, location=None):
        """Deliver ``qty`` of ``lot`` to a customer, the lot chosen by hand."""
        picking = cls._delivery(product, qty, partner=partner, location=location)
        cls._put_lot(picking, lot, qty)
        return cls._validate(picking)

    @staticmethod
    def _label(product, lot_code, expiry=None, **extra):
        data = {"01": gs1.normalize_gtin(product.barcode), "10": lot_code, **extra}
        if expiry:
            data["17"] = expiry
        return gs1.build(data)

    @staticmethod
    def _in_days(days):
        return fields.Date.today() + datetime.timedelta(days=days)

    def _snapshot(self):
        """What bad input must leave untouched."""
        self.env.invalidate_all()
        return (
            self.env["stock.lot"].search_count([]),
            self.env["lot.tracking.event"].sudo().search_count([]),
            sorted(
                self.env["stock.move.line"]
                .search([("company_id", "=", self.company.id)])
                .mapped(lambda ml: (ml.id, ml.lot_id.id, ml.quantity))
            ),
        )
