import datetime

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import float_compare

from ..tools import gs1
from .stock_lot_pos import is_sellable

# Read for get_existing_lots: the first three decide whether a lot may be sold.
POS_LOT_COLUMNS = [
    "quality_state",
    "expiration_date",
    "removal_date",
    "supplier_lot_code",
    "markdown_percent",
]
LABEL_QUOTE = 100  # an error message quotes at most this many characters of a label


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _values(records, fname):
    """``records.mapped(fname)`` of a column the ORM has in its cache, without building a
    record per value (a tenth of the time at 2,000 lots); read when it is not cached."""
    field = records._fields[fname]
    values = records.env.cache.get_until_miss(records, field)
    if len(values) < len(records):
        return records.mapped(fname)
    return [False if value is None else value for value in values]


def _quote(value):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= LABEL_QUOTE else f"{text[:LABEL_QUOTE]}…"


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

    def _lot_tracking_discount_reason(self, lot):
        """Why this line's discount breaks the till's rules for ``lot``, or False: above the
        lot's markdown, in a POS where only managers may discount or set prices (or nobody may
        discount by hand), given by a cashier who is not a manager."""
        self.ensure_one()
        order = self.order_id
        config = order.config_id
        if config.manual_discount and not config.restrict_price_control:
            return False
        digits = self.env["decimal.precision"].precision_get("Discount")
        if float_compare(self.discount, lot.markdown_percent, precision_digits=digits) <= 0:
            return False
        if order._lot_tracking_cashier_is_manager():
            return False
        cashier = order["employee_id"] if "employee_id" in order._fields else False
        return self.env._(
            "%(discount)s%% off lot %(lot)s, whose markdown is %(markdown)s%%, given by "
            "%(cashier)s, who is not a Point of Sale manager",
            discount=self.discount,
            lot=lot.name,
            markdown=lot.markdown_percent,
            cashier=(cashier or order.user_id).name,
        )

    @api.model
    def _lot_tracking_check_call(self, product_id):
        """The POS of a call from the till and the product it asks about; a clear error for
        what the till should never send (wrong types, unknown ids, another company's data)."""
        config_id = self.env.context.get("config_id")
        config = self.env["pos.config"].browse(config_id if _is_id(config_id) else ())
        try:
            company = config.company_id  # read once, for core's method too
        except MissingError:
            company = False
        if not company:
            raise UserError(self.env._("No PoS configuration found"))
        if not _is_id(product_id):
            raise UserError(
                self.env._(
                    "The product must be given by its id, not %(value)s.", value=_quote(product_id)
                )
            )
        Product = self.env["product.product"]
        product = Product.browse(product_id)
        # One query when all is well: the product exists, is visible and of this company.
        if Product.search_count(
            [("id", "=", product_id), ("company_id", "in", [False, company.id])], limit=1
        ):
            return config, product
        if not product.exists():
            raise UserError(self.env._("Unknown product (id %(id)s).", id=product_id))
        product.check_access("read")
        raise UserError(
            self.env._(
                "%(product)s belongs to %(company)s, not to the company of %(pos)s.",
                product=product.display_name,
                company=product.company_id.name,
                pos=config.name,
            )
        )

    @api.model
    @api.readonly
    def get_existing_lots(self, company_id, product_id):
        """Core's lots, restricted to the ones that may be sold and sorted first to expire
        first (no expiry last); each also gives ``expiration_date`` and what the till checks
        (``removal_date``, ``supplier_lot_code``, ``markdown_percent``)."""
        self._lot_tracking_check_call(product_id)
        if not _is_id(company_id):
            raise UserError(
                self.env._(
                    "The company must be given by its id, not %(value)s.", value=_quote(company_id)
                )
            )
        lots = super().get_existing_lots(company_id, product_id)
        # Core has just read these lots: their columns are in the cache, no query needed.
        records = self.env["stock.lot"].sudo().browse([lot["id"] for lot in lots])
        states, expirations, removals, codes, markdowns = (
            _values(records, fname) for fname in POS_LOT_COLUMNS
        )
        now = fields.Datetime.now()
        result = []
        for lot, state, expiration, removal, code, markdown in zip(
            lots, states, expirations, removals, codes, markdowns, strict=True
        ):
            if is_sellable(now, state, expiration, removal):
                lot["expiration_date"] = expiration
                lot["removal_date"] = removal
                lot["supplier_lot_code"] = code
                lot["markdown_percent"] = markdown
                result.append(lot)
        never = datetime.datetime.max
        result.sort(key=lambda lot: (lot["expiration_date"] or never, lot["name"], lot["id"]))
        return result

    @api.model
    def _lot_tracking_sellable_lots(self, config, quant_domain):
        """``{product_id: [lot, …]}`` of the sellable lots in stock at the POS source location,
        first to expire first (no expiry last), as the till knows them."""
        Lot = self.env["stock.lot"]
        sellable = Lot._lot_tracking_sellable_domain(fields.Datetime.now())
        lots = Lot._lot_tracking_pos_rows(
            config, quant_domain=[*quant_domain, ("lot_id", "any", sellable)]
        )
        never = datetime.datetime.max
        lots.sort(key=lambda lot: (lot["expiration_date"] or never, lot["name"], lot["id"]))
        result = {}
        for lot in lots:
            result.setdefault(lot["product_id"], []).append(lot)
        return result

    @api.model
    @api.readonly
    def lot_tracking_check_lot(self, product_id, code, expiration_date=False):
        """Find the lot a cashier typed or scanned, by its name or its supplier's code.

        ``code`` may be a whole GS1 label (AI 10, and AI 17 to choose between lots sharing a
        supplier code). Returns ``{"lot": lot or False, "reason": why it cannot be sold or
        False}``, the lot as in :meth:`get_existing_lots` (``product_qty`` 0 when it has no
        stock at the POS location).
        """
        self.check_access("read")
        config, product = self._lot_tracking_check_call(product_id)
        code, expiry, error = self._lot_tracking_parse_code(code, expiration_date)
        company = config.company_id
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("company_id", "in", [False, company.id]),
                    "|",
                    ("name", "=", code),
                    ("supplier_lot_code", "=", code),
                ]
            )
        )
        if not lots:
            reason = error or self.env._("Unknown lot %(code)s", code=_quote(code))
            return {"lot": False, "reason": reason}
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
        in_stock = self._lot_tracking_sellable_lots(config, [("lot_id", "in", lots.ids)]).get(
            product.id
        )
        if in_stock:
            return {"lot": in_stock[0], "reason": False}
        lot = lots.sorted(lambda lot: lot.expiration_date or datetime.datetime.max)[0]
        [vals] = self.env["stock.lot"]._lot_tracking_pos_rows(config, lot)
        return {"lot": vals, "reason": vals["sale_block_reason"]}

    @api.model
    def _lot_tracking_parse_code(self, code, expiration_date=False):
        """``(lot code, expiry date or None, error or False)`` of a typed lot or a scanned
        GS1 label; ``error`` says why a GS1 label could not be read."""
        if not isinstance(code, str) or not code.strip():
            raise UserError(self.env._("Type or scan a lot, not %(value)s.", value=_quote(code)))
        code = code.strip()
        expiry = None
        if expiration_date:
            try:
                expiry = fields.Date.to_date(expiration_date)
            except (TypeError, ValueError):
                raise UserError(
                    self.env._(
                        "%(value)s is not a date (expected YYYY-MM-DD).",
                        value=_quote(expiration_date),
                    )
                ) from None
        try:
            data = gs1.parse(code)
        except gs1.GS1Error as e:
            # A lot name may look like a label: only a label with a valid GTIN is one.
            looks_gs1 = code.startswith("01") and gs1.is_valid_gtin(code[2:16])
            error = looks_gs1 and self.env._(
                "Unreadable GS1 label %(label)s: %(error)s",
                label=_quote(code),
                error=_quote(str(e)),
            )
            return code, expiry, error
        # Only a real label (with its GTIN) is read as GS1: a lot name may start with "10".
        if "01" in data and "10" in data:
            return data["10"], data.get("17", expiry), False
        return code, expiry, False
