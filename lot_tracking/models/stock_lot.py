import datetime
import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

import iso3166
from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_date, index_exists

from ..tools.download import download_action, xlsx_download

QUALITY_STATES = [
    ("quarantine", "Quarantine"),
    ("released", "Released"),
    ("blocked", "Blocked"),
    ("recalled", "Recalled"),
]
# The event each quality state writes when a lot enters it.
STATE_EVENT = {
    "quarantine": "quarantined",
    "released": "released",
    "blocked": "blocked",
    "recalled": "recalled",
}
MANAGER_GROUP = "lot_tracking.group_lot_tracking_manager"
# What the Point of Sale decides a lot's sale on; a change is pushed to open sessions.
TILL_FIELDS = ("quality_state", "markdown_percent", "expiration_date", "removal_date")
EXPIRY_BATCH = 5000
SUPPLIER_LOT_CODE_INDEX = "stock_lot_supplier_lot_code_uniq"
# Dates product_expiry computes from the expiry that a supplier may give instead.
SUPPLIER_EXPIRY_DATES = ("use_date", "removal_date")

_logger = logging.getLogger(__name__)


class StockLot(models.Model):
    _inherit = "stock.lot"

    supplier_id = fields.Many2one("res.partner", index="btree_not_null")
    supplier_lot_code = fields.Char(
        index="btree_not_null",
        copy=False,  # one lot per supplier lot code: a copy is another lot
        help="The lot number on the supplier's label.",
    )
    receipt_picking_id = fields.Many2one(
        "stock.picking", string="First Receipt", readonly=True, index="btree_not_null"
    )
    receipt_date = fields.Datetime(readonly=True)
    origin_country_id = fields.Many2one("res.country", string="Country of Origin")
    production_date = fields.Date()
    quality_state = fields.Selection(
        QUALITY_STATES,
        default="released",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="Only released lots can be reserved for customers or sold.",
    )
    is_sellable = fields.Boolean(
        compute="_compute_sale_status",
        search="_search_is_sellable",
        help="Released and not past its removal date (or its expiration date when it has no "
        "removal date).",
    )
    sale_block_reason = fields.Char(compute="_compute_sale_status")
    event_ids = fields.One2many("lot.tracking.event", "lot_id", string="Events")
    markdown_percent = fields.Float(
        "Markdown (%)",
        readonly=True,
        copy=False,
        tracking=True,
        help="Discount the Point of Sale applies to this lot (set by slow-mover suggestions).",
    )
    event_count = fields.Integer(compute="_compute_event_count")

    _sql_constraints = [
        (
            "production_before_expiration",
            "CHECK(production_date IS NULL OR expiration_date IS NULL "
            "OR production_date <= expiration_date::date)",
            "A lot cannot expire before it is produced.",
        ),
    ]

    def init(self):
        res = super().init()
        # One lot per product, supplier, supplier lot code and company, whoever creates it and
        # however many receipts scan the same label at once (shared lots have no company).
        if not index_exists(self.env.cr, SUPPLIER_LOT_CODE_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON %s (product_id, COALESCE(supplier_id, 0), "
                    "supplier_lot_code, COALESCE(company_id, 0)) "
                    "WHERE supplier_lot_code IS NOT NULL",
                    SQL.identifier(SUPPLIER_LOT_CODE_INDEX),
                    SQL.identifier(self._table),
                )
            )
        return res

    @api.model_create_multi
    def create(self, vals_list):
        keys = [
            (vals.get("product_id"), vals.get("supplier_id") or False, vals["supplier_lot_code"])
            for vals in vals_list
            if vals.get("supplier_lot_code")
        ]
        if keys:
            with self._lot_tracking_unique_supplier_lot_code(keys):
                lots = super().create(vals_list)
        else:
            lots = super().create(vals_list)
        # Defaults included: a lot is born released and without markdown unless a manager says.
        if lots.filtered(lambda lot: lot.quality_state != "released" or lot.markdown_percent):
            lots._lot_tracking_check_till_rules_manager()
        return lots

    @contextmanager
    def _lot_tracking_unique_supplier_lot_code(self, keys):
        """Turn the unique index's refusal of a supplier lot code into a clear error.

        ``keys``: the (product id, supplier id, supplier lot code) being written.
        """
        try:
            with self.env.cr.savepoint():
                yield
        except UniqueViolation as error:
            if error.diag.constraint_name != SUPPLIER_LOT_CODE_INDEX:
                raise
            codes = ", ".join(sorted({code for __, __, code in keys}))
            holders = self.search(
                expression.OR(
                    [
                        [
                            ("product_id", "=", product_id),
                            ("supplier_id", "=", supplier_id),
                            ("supplier_lot_code", "=", code),
                        ]
                        for product_id, supplier_id, code in keys
                    ]
                )
            )
            if holders:
                message = self.env._(
                    "Supplier lot code %(codes)s is already on lot %(lots)s of %(product)s: a "
                    "supplier's lot code identifies one lot. Use that lot or correct the code.",
                    codes=codes,
                    lots=", ".join(holders.mapped("name")),
                    product=holders.product_id[:1].display_name,
                )
            else:  # committed by another transaction after this one began: not visible here
                message = self.env._(
                    "Supplier lot code %(codes)s was given to another lot at the same moment, "
                    "by another user or receipt. Try again: that lot will then be found.",
                    codes=codes,
                )
            raise ValidationError(message) from None

    @api.ondelete(at_uninstall=False)
    def _unlink_except_lot_tracking_events(self):
        # the trail is checked as the system sees it: a user may not read every event
        groups = (
            self.env["lot.tracking.event"]
            .sudo()
            ._read_group([("lot_id", "in", self.ids)], ["lot_id"])
        )
        if groups:
            raise UserError(
                self.env._(
                    "Lots %(lots)s cannot be deleted: their Lot Tracking events (receipts, "
                    "state changes, sales) are an audit trail that must be kept. Block a lot "
                    "that must no longer be used instead.",
                    lots=", ".join(lot.name for [lot] in groups),
                )
            )

    @api.depends("quality_state", "removal_date", "expiration_date")
    def _compute_sale_status(self):
        now = fields.Datetime.now()
        for lot in self:
            lot.sale_block_reason = lot._lot_tracking_block_reason(now)
            lot.is_sellable = not lot.sale_block_reason

    def _lot_tracking_block_reason(self, now):
        """Why this lot cannot be sold at ``now``, or False."""
        self.ensure_one()
        if self.quality_state != "released":
            return {
                "quarantine": self.env._("In quarantine"),
                "blocked": self.env._("Blocked"),
                "recalled": self.env._("Recalled"),
            }[self.quality_state]
        if self.expiration_date and self.expiration_date <= now:
            return self.env._(
                "Expired on %(date)s", date=format_date(self.env, self.expiration_date)
            )
        if self.removal_date and self.removal_date <= now:
            return self.env._(
                "Past its removal date (%(date)s)",
                date=format_date(self.env, self.removal_date),
            )
        return False

    @api.model
    def _lot_tracking_sellable_domain(self, now=None):
        now = now or fields.Datetime.now()
        return [
            ("quality_state", "=", "released"),
            "|",
            ("removal_date", ">", now),
            "&",
            ("removal_date", "=", False),
            "|",
            ("expiration_date", "=", False),
            ("expiration_date", ">", now),
        ]

    def _search_is_sellable(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(operator)
        domain = self._lot_tracking_sellable_domain()
        if (operator == "=") != bool(value):
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    def _compute_event_count(self):
        counts = dict(
            self.env["lot.tracking.event"]._read_group(
                [("lot_id", "in", self.ids)], ["lot_id"], ["__count"]
            )
        )
        for lot in self:
            lot.event_count = counts.get(lot, 0)

    @api.model
    def _lot_tracking_check_manager(self, message):
        """Raise ``message`` unless a Lot Tracking manager (or the system) is acting."""
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(message)

    def write(self, vals):
        if self._lot_tracking_changed_by(vals, ("quality_state", "markdown_percent")):
            self._lot_tracking_check_till_rules_manager()
        if "quality_state" in vals and not self.env.context.get("lot_tracking_state_change"):
            # A manager's direct write (form, import, RPC) takes the one path that logs the
            # change and takes the lot off deliveries.
            vals = dict(vals)
            state = vals.pop("quality_state")
            self._lot_tracking_set_quality_state(
                state, note=self.env._("Changed by %(user)s.", user=self.env.user.name)
            )
            if not vals:
                return True
        changed = self._lot_tracking_changed_by(vals, TILL_FIELDS)
        keys = self._lot_tracking_supplier_lot_keys(vals)
        if keys:
            with self._lot_tracking_unique_supplier_lot_code(keys):
                res = super().write(vals)
                self.flush_recordset()
        else:
            res = super().write(vals)
        if changed:
            self.env["pos.config"]._lot_tracking_notify_lots(changed)
        return res

    def _lot_tracking_supplier_lot_keys(self, vals):
        """(product, supplier, supplier lot code) of these lots once ``vals`` is written, for
        the lots that have a code."""
        if not {"product_id", "supplier_id", "supplier_lot_code", "company_id"} & vals.keys():
            return []
        keys = [
            (
                vals.get("product_id", lot.product_id.id),
                vals["supplier_id"] if "supplier_id" in vals else lot.supplier_id.id,
                vals["supplier_lot_code"] if "supplier_lot_code" in vals else lot.supplier_lot_code,
            )
            for lot in self
        ]
        return [key for key in keys if key[2]]

    def _lot_tracking_check_till_rules_manager(self):
        """What the till allows or charges (state, markdown) is a manager's decision: a
        stock user's write, import or RPC is refused."""
        self._lot_tracking_check_manager(
            self.env._(
                "Only Lot Tracking managers can change a lot's state or markdown: use the lot's "
                "state buttons or apply a slow-mover suggestion."
            )
        )

    def _lot_tracking_changed_by(self, vals, field_names):
        """The lots whose ``field_names`` values ``vals`` changes."""
        keys = [key for key in field_names if key in vals]
        if not keys:
            return self.browse()
        new = self.new({key: vals[key] for key in keys})
        return self.filtered(lambda lot: any(lot[key] != new[key] for key in keys))

    def _lot_tracking_short_shelf_life(self, now):
        """Does this lot arrive with less shelf life than its product requires?"""
        self.ensure_one()
        days = self.product_id.receipt_min_shelf_life_days
        return bool(
            days and self.expiration_date and self.expiration_date - now < timedelta(days=days)
        )

    @api.model
    def _lot_tracking_find_or_create(
        self, move, supplier_lot_code, expiration_date=None, production_date=None, **label_vals
    ):
        """The lot that receipt ``move``'s supplier numbers ``supplier_lot_code``, created with
        its receipt data when it is new (and quarantined when short-dated).

        Dates are those of the supplier's label (``expiration_date`` a date, or a datetime when
        the label gives the time); ``label_vals`` are more lot values it gives (see
        ``_lot_tracking_label_vals``), used for a new lot. Raises a UserError, having written
        nothing, when they refuse the goods or contradict the known lot, and a ValidationError
        when another receipt created the same lot at the same moment (the unique index decides).
        """
        product = move.product_id
        receipt = move.picking_id
        now = fields.Datetime.now()
        expiry_dt = expiration_date
        if expiration_date and not isinstance(expiration_date, datetime.datetime):
            expiry_dt = datetime.datetime.combine(expiration_date, datetime.time(23, 59, 59))
        expiration_date = expiry_dt and expiry_dt.date()
        if expiry_dt and expiry_dt <= now:
            raise UserError(
                self.env._(
                    "Lot %(code)s of %(product)s expired on %(date)s: refuse these goods.",
                    code=supplier_lot_code,
                    product=product.display_name,
                    date=expiration_date,
                )
            )
        if production_date and expiration_date and production_date > expiration_date:
            raise UserError(self.env._("The label's production date is after its expiration date."))
        supplier = receipt.partner_id.commercial_partner_id
        lot = self.search(
            [
                ("product_id", "=", product.id),
                ("supplier_id", "=", supplier.id),
                ("supplier_lot_code", "=", supplier_lot_code),
                ("company_id", "in", (receipt.company_id.id, False)),
            ],
            limit=1,
        )
        if lot:
            if (
                expiration_date
                and lot.expiration_date
                and lot.expiration_date.date() != expiration_date
            ):
                raise UserError(
                    self.env._(
                        "Lot %(code)s of %(product)s is recorded with expiry %(known)s but this "
                        "label says %(label)s. Check the label with the supplier.",
                        code=supplier_lot_code,
                        product=product.display_name,
                        known=lot.expiration_date.date(),
                        label=expiration_date,
                    )
                )
            return lot
        sequence = product.categ_id.lot_sequence_id or self.env.ref("lot_tracking.ir_sequence_lot")
        # a lot created by another receipt since this transaction began is invisible to the
        # search above: the unique index refuses the twin (see create)
        lot = self._lot_tracking_create_received(
            [
                {
                    "name": sequence.sudo()._lot_tracking_next_batch(1)[0],
                    "product_id": product.id,
                    "company_id": receipt.company_id.id,
                    **self._prepare_lot_tracking_receipt_vals(
                        receipt,
                        move,
                        supplier_lot_code=supplier_lot_code,
                        production_date=production_date,
                        expiration_date=expiry_dt,
                        **label_vals,
                    ),
                }
            ]
        )
        if lot._lot_tracking_short_shelf_life(now):
            lot._lot_tracking_set_quality_state(
                "quarantine",
                note=self.env._("Received with less than the minimum shelf life."),
                picking_id=receipt.id,
            )
        return lot

    @api.model
    def _prepare_lot_tracking_receipt_vals(self, picking, move=None, received=True, **label):
        """A lot's receipt data from receipt ``picking``, the same for a validated receipt,
        a scanned label and a shipping notice:

        - the supplier, for goods from a supplier only (a customer returning a lot is not
          its supplier);
        - unless ``received`` is False (a lot a shipping notice announces before the goods
          arrive), the receipt and the moment of receipt (its done date, else now);
        - with ``move`` (a new lot that move brings), the lot's unit cost;
        - ``label``: what the supplier's label or notice says of the lot
          (``supplier_lot_code``, ``production_date``, ``expiration_date``, ``use_date``,
          ``removal_date``, ``origin_country_id``); empty values are left out.

        Lots are created from these values with ``_lot_tracking_create_received``.
        """
        vals = {}
        if picking._lot_tracking_is_supplier_receipt():
            vals["supplier_id"] = picking.partner_id.commercial_partner_id.id
        if received:
            vals["receipt_picking_id"] = picking.id
            vals["receipt_date"] = picking.date_done or fields.Datetime.now()
        if move:
            vals["standard_price"] = move._lot_tracking_unit_cost()
        vals.update((key, value) for key, value in label.items() if value)
        return vals

    @api.model
    def _lot_tracking_create_received(self, vals_list):
        """Create lots from ``_prepare_lot_tracking_receipt_vals`` values.

        A best-before or removal date the supplier gives is written after creation:
        product_expiry computes both with the alert date from the expiry, and computes none
        of the three when one of them is given at creation.

        Each lot is created in its own company: its cost (company-dependent) is that company's,
        whatever company the user works in."""
        vals_list = [dict(vals) for vals in vals_list]
        later = [
            {key: vals.pop(key) for key in SUPPLIER_EXPIRY_DATES if key in vals}
            for vals in vals_list
        ]
        by_company = defaultdict(list)
        for index, vals in enumerate(vals_list):
            by_company[vals.get("company_id")].append(index)
        id_at = {}
        for company_id, indexes in by_company.items():
            created = self.with_company(company_id or self.env.company).create(
                [vals_list[index] for index in indexes]
            )
            id_at.update(zip(indexes, created.ids, strict=True))
        lots = self.browse([id_at[index] for index in range(len(vals_list))])
        by_dates = defaultdict(list)
        for lot, dates in zip(lots, later, strict=True):
            if dates:
                by_dates[tuple(sorted(dates.items()))].append(lot.id)
        for dates, lot_ids in by_dates.items():
            self.browse(lot_ids).write(dict(dates))
        return lots

    @api.model
    def _lot_tracking_label_vals(self, data, product):
        """What else a supplier's label tells of a new lot: the country of origin (AI 422, ISO
        3166 numeric), and its best-before (AI 15) and sell-by (AI 16) dates where the product
        does not compute them from the expiry."""
        vals = {}
        if country := iso3166.countries_by_numeric.get(data.get("422", "")):
            vals["origin_country_id"] = (
                self.env["res.country"].search([("code", "=", country.alpha2)], limit=1).id
            )
        end_of_day = datetime.time(23, 59, 59)
        if data.get("15") and not product.use_time:
            vals["use_date"] = datetime.datetime.combine(data["15"], end_of_day)
        if data.get("16") and not product.removal_time:
            vals["removal_date"] = datetime.datetime.combine(data["16"], end_of_day)
        return {key: value for key, value in vals.items() if value}

    def _lot_tracking_set_quality_state(self, state, note=False, **event_vals):
        """Move lots to ``state`` and log it: the one way the system changes quality states.

        Used by system transitions (quarantine at receipt, recalls) whoever triggers them;
        manual changes (the manager-only wizard, a manager's direct write) come here too.
        Lots that may no longer be sold are taken off every reservation toward customers.
        """
        lots = self.filtered(lambda lot: lot.quality_state != state)
        if lots:
            labels = dict(self._fields["quality_state"]._description_selection(self.env))
            bodies = {
                lot.id: self.env._(
                    "State: %(old)s → %(new)s", old=labels[lot.quality_state], new=labels[state]
                )
                + (Markup("<br/>") + note if note else "")
                for lot in lots
            }
            # Searched before the state changes: the search flushes pending recomputes of
            # those lines while the quality constraint still accepts them.
            reserved = self.env["stock.move.line"]
            if state != "released":
                reserved = reserved._lot_tracking_search_to_customers(lots)
            # One chatter line per lot with the reason, instead of the bare field tracking.
            lots.sudo().with_context(mail_notrack=True, lot_tracking_state_change=True).write(
                {"quality_state": state}
            )
            lots._message_log_batch(bodies)
            lots._lot_tracking_log(STATE_EVENT[state], note=note, on_hand=True, **event_vals)
            if reserved:
                reserved._lot_tracking_unreserve()
        return lots

    def _lot_tracking_log(self, event_type, note=False, quantities=None, on_hand=False, **vals):
        """Write one event per lot. ``quantities`` maps lot id to quantity; with ``on_hand``,
        the quantity is the lot's internal stock in the company the event is filed under (a
        lot shared between companies can have stock in several)."""
        quantities = quantities or {}
        Event = self.env["lot.tracking.event"].sudo()
        vals_list = [
            {
                "lot_id": lot.id,
                "event_type": event_type,
                "note": note,
                "quantity": quantities.get(lot.id, 0.0),
                "user_id": self.env.uid,
                **vals,
            }
            for lot in self
        ]
        if on_hand:
            Event._prepare_trail_vals(vals_list)  # the company of each event
            stock = self._lot_tracking_on_hand_by_company()
            for event_vals in vals_list:
                key = (event_vals["lot_id"], event_vals["company_id"])
                event_vals["quantity"] = stock.get(key, 0.0)
        return Event.create(vals_list)

    def action_lot_tracking_write_off(self, reason=False):
        """Scrap what these lots have in internal locations of the active companies, at each
        lot's own cost, to the company's expiry loss account. Managers only."""
        self._lot_tracking_check_manager(
            self.env._("Only Lot Tracking managers can write off lots.")
        )
        return self._lot_tracking_write_off(self.env.companies, reason=reason)

    def _lot_tracking_write_off(self, companies, reason=False):
        """Scrap these lots' internal stock in ``companies`` (only there: a lot shared between
        companies can have stock in several) and log one ``written_off`` event per lot and
        company."""
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", self.ids),
                ("company_id", "in", companies.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
            ]
        )
        if empty := self - quants.lot_id:
            raise UserError(
                self.env._(
                    "No stock to write off for lot(s) %(lots)s.",
                    lots=", ".join(empty.mapped("name")),
                )
            )
        if without_account := quants.company_id.filtered(
            lambda c: not c.lot_tracking_expiry_loss_account_id
        ):
            raise UserError(
                self.env._(
                    "Set the Expiry Loss Account in the Inventory settings of %(companies)s "
                    "before writing off lots.",
                    companies=", ".join(without_account.mapped("name")),
                )
            )
        scraps = self.env["stock.scrap"].create(
            [
                {
                    "product_id": quant.product_id.id,
                    "lot_id": quant.lot_id.id,
                    "scrap_qty": quant.quantity,
                    "product_uom_id": quant.product_uom_id.id,
                    "location_id": quant.location_id.id,
                    "package_id": quant.package_id.id,
                    "owner_id": quant.owner_id.id,
                    "company_id": quant.company_id.id,
                    "origin": reason or self.env._("Lot write-off"),
                    "lot_tracking_write_off": True,
                }
                for quant in quants
            ]
        )
        scraps.do_scrap()
        for company, company_scraps in scraps.grouped("company_id").items():
            quantities = defaultdict(float)
            for scrap in company_scraps:
                quantities[scrap.lot_id.id] += scrap.scrap_qty
            company_scraps.lot_id._lot_tracking_log(
                "written_off", note=reason, quantities=quantities, company_id=company.id
            )
        return True

    def _lot_tracking_open_state_wizard(self, state):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Lot State"),
            "res_model": "lot.tracking.quality.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_ids": self.ids, "default_new_state": state},
        }

    def action_lot_tracking_quarantine(self):
        return self._lot_tracking_open_state_wizard("quarantine")

    def action_lot_tracking_release(self):
        return self._lot_tracking_open_state_wizard("released")

    def action_lot_tracking_block(self):
        return self._lot_tracking_open_state_wizard("blocked")

    def action_lot_tracking_open_write_off(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Write Off Lots"),
            "res_model": "lot.tracking.write.off.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_ids": self.ids},
        }

    @api.readonly
    def action_lot_tracking_events(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lot_tracking.lot_tracking_event_action"
        )
        action["domain"] = [("lot_id", "in", self.ids)]
        action["context"] = {"default_lot_id": self[:1].id}
        return action

    # ------------------------------------------------------------------------------------
    # Trace and exports (the trace's data comes from the lot trace report)
    # ------------------------------------------------------------------------------------
    def _lot_tracking_trace_data(self):
        """Everything known about this lot, from source to sale, as plain values."""
        return self.env["report.lot_tracking.report_lot_trace"]._get_trace(self)

    def _lot_tracking_visible_receipts(self):
        """These lots' first receipts that the user may read: a lot shared between companies
        may have been received first by a company the user does not work for."""
        return self.receipt_picking_id._filtered_access("read")

    def action_lot_tracking_export_trace_xlsx(self):
        """Download this lot's trace: its twin, movements, POS orders, stock and events."""
        self.ensure_one()
        content = self.env["report.lot_tracking.report_lot_trace"]._get_xlsx(self)
        filename = "lot_trace_{}.xlsx".format(self.name.replace("/", "_"))
        return download_action(self.env, filename, content, record=self)

    def action_lot_tracking_export_xlsx(self):
        """Download these lots with their states and dates as a spreadsheet."""
        states = dict(self._fields["quality_state"]._description_selection(self.env))
        receipts = self._lot_tracking_visible_receipts()
        columns = [
            (self.env._("Lot"), "text"),
            (self.env._("Product"), "text"),
            (self.env._("Supplier"), "text"),
            (self.env._("Supplier Lot Code"), "text"),
            (self.env._("Quality State"), "text"),
            (self.env._("Sellable"), "text"),
            (self.env._("Not Sellable Because"), "text"),
            (self.env._("Receipt"), "text"),
            (self.env._("Received on"), "datetime"),
            (self.env._("Country of Origin"), "text"),
            (self.env._("Production Date"), "date"),
            (self.env._("Best Before Date"), "datetime"),
            (self.env._("Removal Date"), "datetime"),
            (self.env._("Expiration Date"), "datetime"),
            (self.env._("On Hand"), "number"),
            (self.env._("Unit"), "text"),
        ]
        rows = [
            (
                lot.name,
                lot.product_id.display_name,
                lot.supplier_id.display_name,
                lot.supplier_lot_code,
                states[lot.quality_state],
                self.env._("Yes") if lot.is_sellable else self.env._("No"),
                lot.sale_block_reason,
                (lot.receipt_picking_id & receipts).name,
                lot.receipt_date,
                lot.origin_country_id.name,
                lot.production_date,
                lot.use_date,
                lot.removal_date,
                lot.expiration_date,
                lot.product_qty,
                lot.product_uom_id.name,
            )
            for lot in self
        ]
        return xlsx_download(self.env, self.env._("Lots"), "lots.xlsx", columns, rows)

    # ------------------------------------------------------------------------------------
    # Expiry: core's alert pass, batched and per company, and the daily run around it
    # ------------------------------------------------------------------------------------
    @api.model
    def _alert_date_exceeded(self):
        """Core's alert pass (the stock scheduler runs it), batched and per company.

        Replaces core's loop, which schedules and notifies lot by lot, instead of extending
        it: a second pass could only alert the same lots again. Kept from core: lots whose
        alert date is reached, not yet reminded, with internal stock get the "alert date
        reached" activity, assigned as core assigns it, and the reminded flag. Added: the
        company's warning window (SPEC §4), an ``alert`` event and one digest per company.
        """
        now = fields.Datetime.now()
        self._lot_tracking_for_each_company(
            lambda lots, company: lots._lot_tracking_alert_due(company, now)
        )

    @api.model
    def _cron_lot_tracking_expiry(self):
        """Daily: the alert pass, one ``expired`` event per expired lot with stock (and the
        optional write-off of expired stock), and the company's expiry KPIs."""
        now = fields.Datetime.now()

        def run(lots, company):
            alerted = lots._lot_tracking_alert_due(company, now)
            expired = lots._lot_tracking_expire(company, now)
            lots.env["lot.tracking.expiry.kpi"]._record_run(
                company, lots._lot_tracking_warning_domain(company, now), alerted, expired
            )

        self._lot_tracking_for_each_company(run, progress=True)

    @api.model
    def _lot_tracking_for_each_company(self, job, progress=False):
        """Run ``job(lots, company)`` as the system for every company, each in its own
        savepoint: a company that fails is rolled back and logged, the others still run."""
        lots = self.sudo()
        companies = lots.env["res.company"].search([])  # pylint: disable=no-search-all  # every company, by design
        for done, company in enumerate(companies, start=1):
            try:
                with self.env.cr.savepoint():
                    job(lots.with_company(company), company)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise  # a concurrent update: fail the whole run rather than skip a company
            except Exception:
                _logger.exception(
                    "Lot expiry run failed for company %s (id %s): rolled back for it, the "
                    "other companies still run.",
                    company.name,
                    company.id,
                )
            if progress:
                self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)

    @api.model
    def _lot_tracking_in_stock_domain(self, company):
        quant_domain = [
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
            ("company_id", "=", company.id),
        ]
        return [("quant_ids", "any", quant_domain)]

    @api.model
    def _lot_tracking_warning_domain(self, company, now):
        """Lots whose alert date is reached (core's rule), or, when their product has no alert
        time of its own, that expire within ``company``'s warning days."""
        return [
            "|",
            # as core: a date, so an alert date is reached on its day, until its last second
            ("alert_date", "<=", now.date()),
            "&",
            "!",
            ("product_id.alert_time", ">", 0),
            (
                "expiration_date",
                "<=",
                now + timedelta(days=company.lot_tracking_expiry_warning_days),
            ),
        ]

    def _lot_tracking_alert_due(self, company, now):
        """Alert the lots due in ``company`` and send its digest; return them."""
        due = self.search(
            [
                *self._lot_tracking_warning_domain(company, now),
                *self._lot_tracking_in_stock_domain(company),
                ("product_expiry_reminded", "=", False),
            ]
        )
        for start in range(0, len(due), EXPIRY_BATCH):
            due[start : start + EXPIRY_BATCH]._lot_tracking_alert(company)
        due._lot_tracking_send_digest(company, now)
        return due

    def _lot_tracking_alert(self, company):
        """Core's activity (one create per assignee, no mail each: the digest tells), the
        reminded flag and an ``alert`` event with the stock ``company`` holds."""
        activity_type = self.env.ref("product_expiry.mail_activity_type_alert_date_reached")
        # As core: the type's default user, else the product's responsible in the lot's
        # company, which is ``company`` (or none, for a lot shared between companies).
        root = self.env["res.users"].browse(SUPERUSER_ID)
        by_user = self.grouped(
            lambda lot: (
                activity_type.default_user_id
                or lot.product_id.with_company(company).responsible_id
                or root
            )
        )
        note = self.env._("The expiration warning window has been reached for this lot.")
        for user, lots in by_user.items():
            lots.with_context(mail_activity_quick_update=True).activity_schedule(
                "product_expiry.mail_activity_type_alert_date_reached", user_id=user.id, note=note
            )
        self.write({"product_expiry_reminded": True})
        self._lot_tracking_log("alert", note=note, on_hand=True, company_id=company.id)

    def _lot_tracking_expire(self, company, now):
        """One ``expired`` event per expired lot with stock in ``company``; with automatic
        write-off on, that stock is written off. Returns the newly expired lots."""
        expired = [("expiration_date", "<=", now), *self._lot_tracking_in_stock_domain(company)]
        logged = [("event_type", "=", "expired"), ("company_id", "=", company.id)]
        new = self.search([*expired, ("event_ids", "not any", logged)])
        new._lot_tracking_log(
            "expired",
            note=self.env._("Expired with stock on hand."),
            on_hand=True,
            company_id=company.id,
        )
        if company.lot_tracking_auto_write_off and company.lot_tracking_expiry_loss_account_id:
            if lots := self.search(expired):
                lots._lot_tracking_write_off(
                    company, reason=self.env._("Automatic write-off of expired stock.")
                )
        return new

    def _lot_tracking_quantities_by_location(self, company=None):
        """{lot: {location: quantity}} of internal stock (of ``company`` when given), in one
        grouped query."""
        domain = [("lot_id", "in", self.ids), ("location_id.usage", "=", "internal")]
        if company:
            domain.append(("company_id", "=", company.id))
        result = defaultdict(dict)
        for lot, location, quantity in self.env["stock.quant"]._read_group(
            domain, ["lot_id", "location_id"], ["quantity:sum"]
        ):
            if quantity > 0:
                result[lot][location] = quantity
        return result

    def _lot_tracking_on_hand(self):
        """{lot id: quantity in internal locations of any company}, in one grouped query."""
        result = defaultdict(float)
        for (lot_id, __), quantity in self._lot_tracking_on_hand_by_company().items():
            result[lot_id] += quantity
        return result

    def _lot_tracking_on_hand_by_company(self):
        """{(lot id, company id): quantity in internal locations}, in one grouped query."""
        result = defaultdict(float)
        for lot, company, __, quantity in self.env["stock.quant"]._read_group(
            [("lot_id", "in", self.ids), ("location_id.usage", "=", "internal")],
            ["lot_id", "company_id", "location_id"],
            ["quantity:sum"],
        ):
            if quantity > 0:
                result[lot.id, company.id] += quantity
        return result

    def _lot_tracking_send_digest(self, company, now):
        """One mail per run to the Lot Tracking managers of ``company``, listing these lots
        and where ``company`` holds them (template ``lot_tracking.mail_expiry_digest``)."""
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda u: company in u.company_ids and u.email and not u.share
        )
        if not self or not managers:
            return
        by_lot = self._lot_tracking_quantities_by_location(company)
        rows = [
            {
                "lot": lot,
                "location": location,
                "quantity": quantity,
                "days_left": (lot.expiration_date - now).days if lot.expiration_date else False,
            }
            for lot in self.sorted(lambda lot: (lot.expiration_date or now, lot.id))
            for location, quantity in by_lot.get(lot, {}).items()
        ]
        body = self.env["ir.qweb"]._render(
            "lot_tracking.mail_expiry_digest",
            {"company": company, "lots": self, "rows": rows},
            minimal_qcontext=True,
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": self.env._(
                    "%(company)s: %(count)s lot(s) nearing expiry",
                    company=company.name,
                    count=len(self),
                ),
                "body_html": body,
                "email_from": company.email_formatted or self.env.user.email_formatted,
                "recipient_ids": [fields.Command.set(managers.partner_id.ids)],
                "auto_delete": False,
            }
        )
