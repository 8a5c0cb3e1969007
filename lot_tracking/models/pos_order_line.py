import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import gs1


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    lot_auto_selected = fields.Boolean(
        "Lot Pre-selected",
        readonly=True,
        help="The first-to-expire lot was put on the line without the cashier choosing it.",
    )
    lot_selection_ms = fields.Integer(
        "Lot Selection Time (ms)",
        readonly=True,
        help="Time spent choosing the lot of this line, measured in the Point of Sale.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "lot_auto_selected", "lot_selection_ms"]

    @api.model
    def get_existing_lots(self, company_id, product_id):
        """Core's lot list (same access check and keys), restricted to the lots that may be
        sold and sorted first to expire first; each lot also gives its ``expiration_date`` and
        ``supplier_lot_code``. Replaces core's query rather than filtering its result: one
        grouped query either way."""
        self.check_access("read")
        config = self.env["pos.config"].browse(self.env.context.get("config_id"))
        if not config:
            raise UserError(self.env._("No PoS configuration found"))
        lots = self._lot_tracking_sellable_lots(
            config, company_id, [("product_id", "=", product_id)]
        )
        return lots.get(product_id, [])

    @api.model
    def _lot_tracking_sellable_lots(self, config, company_id, quant_domain):
        """``{product_id: [lot, …]}`` of the sellable lots in stock at the POS source location,
        first to expire first (no expiry last): one grouped query and one read, whatever the
        number of lots."""
        location = config.picking_type_id.default_location_src_id
        sellable = self.env["stock.lot"]._lot_tracking_sellable_domain(fields.Datetime.now())
        # Like core: POS users read lot stock without Inventory rights.
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    *quant_domain,
                    ("company_id", "in", [False, company_id]),
                    ("location_id", "in", location.child_internal_location_ids.ids),
                    ("quantity", ">", 0),
                    ("lot_id", "any", sellable),
                ],
                groupby=["lot_id"],
                aggregates=["quantity:sum"],
            )
        )
        quantities = {lot.id: quantity for lot, quantity in groups}
        lots = self._lot_tracking_read_lots(self.env["stock.lot"].browse(quantities))
        never = datetime.datetime.max
        lots.sort(key=lambda lot: (lot["expiration_date"] or never, lot["name"], lot["id"]))
        result = {}
        for lot in lots:
            lot["product_qty"] = quantities[lot["id"]]
            result.setdefault(lot.pop("product_id"), []).append(lot)
        return result

    @api.model
    def _lot_tracking_read_lots(self, lots):
        """The lots as the Point of Sale knows them (``product_qty`` is added by the caller)."""
        return lots.sudo().read(
            ["name", "expiration_date", "supplier_lot_code", "markdown_percent", "product_id"],
            load=False,
        )

    @api.model
    def lot_tracking_check_lot(self, product_id, code, expiration_date=False):
        """Find the lot a cashier typed or scanned, by its name or its supplier's code.

        ``code`` may be a whole GS1 label (AI 10, and AI 17 to choose between lots sharing a
        supplier code). Returns ``{"lot": lot or False, "reason": why it cannot be sold or
        False}``, the lot as in :meth:`get_existing_lots` (``product_qty`` 0 when it has no
        stock at the POS location).
        """
        self.check_access("read")
        config = self.env["pos.config"].browse(self.env.context.get("config_id"))
        if not config:
            raise UserError(self.env._("No PoS configuration found"))
        code, expiry = self._lot_tracking_parse_code(code, expiration_date)
        company = config.company_id
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product_id),
                    ("company_id", "in", [False, company.id]),
                    "|",
                    ("name", "=", code),
                    ("supplier_lot_code", "=", code),
                ]
            )
        )
        if not lots:
            return {"lot": False, "reason": self.env._("Unknown lot %(code)s", code=code)}
        named = lots.filtered(lambda lot: lot.name == code)
        if named:
            lots = named
        elif expiry:
            lots = (
                lots.filtered(
                    lambda lot: lot.expiration_date and lot.expiration_date.date() == expiry
                )
                or lots
            )
        in_stock = self._lot_tracking_sellable_lots(
            config, company.id, [("lot_id", "in", lots.ids)]
        ).get(product_id)
        if in_stock:
            return {"lot": in_stock[0], "reason": False}
        lot = lots.sorted(lambda lot: lot.expiration_date or datetime.datetime.max)[0]
        [vals] = self._lot_tracking_read_lots(lot)
        del vals["product_id"]
        return {
            "lot": {**vals, "product_qty": 0.0},
            "reason": lot._lot_tracking_block_reason(fields.Datetime.now()),
        }

    @api.model
    def _lot_tracking_parse_code(self, code, expiration_date=False):
        """``(lot code, expiry date or None)`` of a typed lot or a scanned GS1 label."""
        code = (code or "").strip()
        expiry = fields.Date.to_date(expiration_date) if expiration_date else None
        try:
            data = gs1.parse(code)
        except gs1.GS1Error:
            return code, expiry
        # Only a real label (with its GTIN) is read as GS1: a lot name may start with "10".
        if "01" in data and "10" in data:
            return data["10"], data.get("17", expiry)
        return code, expiry
