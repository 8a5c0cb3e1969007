import datetime
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, index_exists

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
EXPIRY_BATCH = 5000
SUPPLIER_LOT_CODE_INDEX = "stock_lot_supplier_lot_code_uniq"


class StockLot(models.Model):
    _inherit = "stock.lot"

    supplier_id = fields.Many2one("res.partner", index="btree_not_null")
    supplier_lot_code = fields.Char(
        index="btree_not_null", help="The lot number on the supplier's label."
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
        if not keys:
            return super().create(vals_list)
        with self._lot_tracking_unique_supplier_lot_code(keys):
            return super().create(vals_list)

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
        _ = self.env._
        if self.quality_state != "released":
            return {
                "quarantine": _("In quarantine"),
                "blocked": _("Blocked"),
                "recalled": _("Recalled"),
            }[self.quality_state]
        if self.expiration_date and self.expiration_date <= now:
            return _("Expired on %(date)s", date=fields.Date.to_string(self.expiration_date))
        if self.removal_date and self.removal_date <= now:
            return _(
                "Past its removal date (%(date)s)",
                date=fields.Date.to_string(self.removal_date),
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
        if "quality_state" in vals:
            self._lot_tracking_check_manager(
                self.env._("Only Lot Tracking managers can change a lot's state.")
            )
        if not {"product_id", "supplier_id", "supplier_lot_code", "company_id"} & vals.keys():
            return super().write(vals)
        keys = [
            (
                vals.get("product_id", lot.product_id.id),
                vals["supplier_id"] if "supplier_id" in vals else lot.supplier_id.id,
                vals["supplier_lot_code"] if "supplier_lot_code" in vals else lot.supplier_lot_code,
            )
            for lot in self
        ]
        keys = [key for key in keys if key[2]]
        if not keys:
            return super().write(vals)
        with self._lot_tracking_unique_supplier_lot_code(keys):
            res = super().write(vals)
            self.flush_recordset()
        return res

    def _lot_tracking_short_shelf_life(self, now):
        """Does this lot arrive with less shelf life than its product requires?"""
        self.ensure_one()
        days = self.product_id.receipt_min_shelf_life_days
        return bool(
            days and self.expiration_date and self.expiration_date - now < timedelta(days=days)
        )

    @api.model
    def _lot_tracking_find_or_create(
        self, move, supplier_lot_code, expiration_date=None, production_date=None
    ):
        """The lot that receipt ``move``'s supplier numbers ``supplier_lot_code``, created with
        its receipt data when it is new (and quarantined when short-dated).

        Dates are those of the supplier's label. Raises a UserError, having written nothing,
        when they refuse the goods or contradict the known lot, and when another receipt
        created the same lot at the same moment (the unique index decides, not the search).
        """
        product = move.product_id
        receipt = move.picking_id
        now = fields.Datetime.now()
        expiry_dt = expiration_date and datetime.datetime.combine(
            expiration_date, datetime.time(23, 59, 59)
        )
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
        vals = {
            "name": sequence.sudo()._lot_tracking_next_batch(1)[0],
            "product_id": product.id,
            "company_id": receipt.company_id.id,
            "supplier_id": supplier.id,
            "supplier_lot_code": supplier_lot_code,
            "production_date": production_date,
            "receipt_picking_id": receipt.id,
            "receipt_date": now,
            "standard_price": move._lot_tracking_unit_cost(),
        }
        if expiry_dt:
            vals["expiration_date"] = expiry_dt
        # a lot created by another receipt since this transaction began is invisible to the
        # search above: the unique index refuses the twin (see create)
        lot = self.create(vals)
        if lot._lot_tracking_short_shelf_life(now):
            lot._lot_tracking_set_quality_state(
                "quarantine",
                note=self.env._("Received with less than the minimum shelf life."),
                picking_id=receipt.id,
            )
        return lot

    def _lot_tracking_set_quality_state(self, state, note=False, **event_vals):
        """Move lots to ``state`` and log it: the one way the system changes quality states.

        Used by system transitions (quarantine at receipt, recalls) whoever triggers them;
        manual changes go through the manager-only wizard, which calls this too.
        """
        lots = self.filtered(lambda lot: lot.quality_state != state)
        if lots:
            lots.sudo().write({"quality_state": state})
            lots._lot_tracking_log(STATE_EVENT[state], note=note, **event_vals)
        return lots

    def _lot_tracking_log(self, event_type, note=False, quantities=None, **vals):
        """Write one event per lot. ``quantities`` maps lot id to quantity."""
        quantities = quantities or {}
        return (
            self.env["lot.tracking.event"]
            .sudo()
            .create(
                [
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
            )
        )

    def action_lot_tracking_write_off(self, reason=False):
        """Scrap what these lots have in internal locations, at each lot's own cost.

        The journal entries debit the company's expiry loss account. Managers only (and the
        expiry cron, as superuser).
        """
        _ = self.env._
        self._lot_tracking_check_manager(_("Only Lot Tracking managers can write off lots."))
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", self.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", ">", 0),
            ]
        )
        if empty := self - quants.lot_id:
            raise UserError(
                _(
                    "No stock to write off for lot(s) %(lots)s.",
                    lots=", ".join(empty.mapped("name")),
                )
            )
        if companies := quants.company_id.filtered(
            lambda c: not c.lot_tracking_expiry_loss_account_id
        ):
            raise UserError(
                _(
                    "Set the Expiry Loss Account in the Inventory settings of %(companies)s "
                    "before writing off lots.",
                    companies=", ".join(companies.mapped("name")),
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
                    "origin": reason or _("Lot write-off"),
                    "lot_tracking_write_off": True,
                }
                for quant in quants
            ]
        )
        scraps.do_scrap()
        quantities = {}
        for scrap in scraps:
            quantities[scrap.lot_id.id] = quantities.get(scrap.lot_id.id, 0.0) + scrap.scrap_qty
        self._lot_tracking_log("written_off", note=reason, quantities=quantities)
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

    def action_lot_tracking_events(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lot_tracking.lot_tracking_event_action"
        )
        action["domain"] = [("lot_id", "in", self.ids)]
        action["context"] = {"default_lot_id": self[:1].id}
        return action

    # ------------------------------------------------------------------------------------
    # Expiry automation
    # ------------------------------------------------------------------------------------
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
        """Lots in their warning window: now >= expiration - W, where W is the product's alert
        time when set, else ``company``'s warning days."""
        company_days = company.lot_tracking_expiry_warning_days
        return [
            ("expiration_date", "!=", False),
            "|",
            "&",
            ("product_id.alert_time", ">", 0),
            ("alert_date", "<=", now),
            "&",
            ("product_id.alert_time", "<=", 0),
            ("expiration_date", "<=", now + timedelta(days=company_days)),
        ]

    @api.model
    def _cron_lot_tracking_expiry(self):
        """Daily: one alert per lot entering its warning window (core's own alert pass
        included), one digest per run, one `expired` event per expired lot, KPIs."""
        now = fields.Datetime.now()
        cron = self.env["ir.cron"]
        lots = self.sudo()  # system work over every company, as the scheduler does
        companies = lots.env["res.company"].search([])
        for done, company in enumerate(companies, start=1):
            in_stock = lots._lot_tracking_in_stock_domain(company)
            window = lots._lot_tracking_warning_domain(company, now)
            due = lots.search([*window, *in_stock, ("product_expiry_reminded", "=", False)])
            for start in range(0, len(due), EXPIRY_BATCH):
                due[start : start + EXPIRY_BATCH]._lot_tracking_alert()
            expired = lots.search(
                [
                    ("expiration_date", "<=", now),
                    *in_stock,
                    ("event_ids", "not any", [("event_type", "=", "expired")]),
                ]
            )
            expired._lot_tracking_log("expired", note=self.env._("Expired with stock on hand."))
            if company.lot_tracking_auto_write_off and expired:
                if company.lot_tracking_expiry_loss_account_id:
                    expired.sudo().action_lot_tracking_write_off(
                        reason=self.env._("Automatic write-off of expired stock.")
                    )
            due._lot_tracking_send_digest(company, now)
            lots._lot_tracking_store_kpi(company, window, len(due), len(expired))
            cron._notify_progress(done=done, remaining=len(companies) - done)

    def _lot_tracking_quantities_by_location(self):
        """{lot: {location: quantity}} of internal stock, in one grouped query."""
        groups = self.env["stock.quant"]._read_group(
            [("lot_id", "in", self.ids), ("location_id.usage", "=", "internal")],
            ["lot_id", "location_id"],
            ["quantity:sum"],
        )
        result = defaultdict(dict)
        for lot, location, quantity in groups:
            if quantity > 0:
                result[lot][location] = quantity
        return result

    def _lot_tracking_alert(self):
        """One activity per lot, created in batch without a mail each, plus an event."""
        activity_type = self.env.ref("product_expiry.mail_activity_type_alert_date_reached")
        model_id = self.env["ir.model"]._get_id("stock.lot")
        today = fields.Date.context_today(self)
        note = self.env._("The expiration warning window has been reached for this lot.")
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": lot.id,
                    "user_id": activity_type.default_user_id.id
                    or lot.product_id.responsible_id.id
                    or SUPERUSER_ID,
                    "date_deadline": today,
                    "note": note,
                }
                for lot in self
            ]
        )
        self.write({"product_expiry_reminded": True})
        quantities = {
            lot.id: sum(by_location.values())
            for lot, by_location in self._lot_tracking_quantities_by_location().items()
        }
        self._lot_tracking_log("alert", note=note, quantities=quantities)

    def _lot_tracking_send_digest(self, company, now):
        """One mail per run to the Lot Tracking managers of ``company``."""
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda u: company in u.company_ids and u.email and not u.share
        )
        if not self or not managers:
            return
        _ = self.env._
        rows = []
        by_lot = self._lot_tracking_quantities_by_location()
        for lot in self.sorted(lambda lot: (lot.expiration_date, lot.id)):
            days_left = (lot.expiration_date - now).days
            for location, quantity in by_lot.get(lot, {}).items():
                rows.append(
                    Markup(
                        "<tr><td>%s</td><td>%s</td><td>%s</td><td style='text-align:right'>%s "
                        "%s</td><td>%s</td><td style='text-align:right'>%s</td></tr>"
                    )
                    % (
                        lot.product_id.display_name,
                        lot.name,
                        location.display_name,
                        quantity,
                        lot.product_id.uom_id.name,
                        fields.Date.to_string(lot.expiration_date),
                        days_left,
                    )
                )
        header = Markup("").join(
            Markup("<th>%s</th>") % title
            for title in (
                _("Product"),
                _("Lot"),
                _("Location"),
                _("Quantity"),
                _("Expires"),
                _("Days Left"),
            )
        )
        body = Markup("<p>%s</p><table border='1' cellpadding='4'><tr>%s</tr>%s</table>") % (
            _("%(count)s lot(s) entered their expiry warning window:", count=len(self)),
            header,
            Markup("").join(rows),
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": _(
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

    def _lot_tracking_store_kpi(self, company, window, alert_count, expired_count):
        Quant = self.env["stock.quant"]
        internal = [
            ("company_id", "=", company.id),
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
        ]
        expiring = [*internal, ("lot_id", "any", window)]
        [[qty_on_hand]] = Quant._read_group(internal, [], ["quantity:sum"])
        [[qty_expiring]] = Quant._read_group(expiring, [], ["quantity:sum"])
        Layer = self.env["stock.valuation.layer"]
        [[value_on_hand]] = Layer._read_group([("company_id", "=", company.id)], [], ["value:sum"])
        [[value_expiring]] = Layer._read_group(
            [("company_id", "=", company.id), ("lot_id", "any", window)], [], ["value:sum"]
        )

        def percent(part, whole):
            return round(100.0 * part / whole, 2) if whole else 0.0

        self.env["lot.tracking.expiry.kpi"].sudo().create(
            {
                "company_id": company.id,
                "quantity_on_hand": qty_on_hand,
                "quantity_expiring": qty_expiring,
                "value_on_hand": value_on_hand,
                "value_expiring": value_expiring,
                "quantity_expiring_percent": percent(qty_expiring, qty_on_hand),
                "value_expiring_percent": percent(value_expiring, value_on_hand),
                "alert_count": alert_count,
                "expired_count": expired_count,
            }
        )
