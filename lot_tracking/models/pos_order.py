import logging

from odoo import SUPERUSER_ID, api, fields, models

from .stock_lot import MANAGER_GROUP

_logger = logging.getLogger(__name__)
INT4_MAX = 2**31 - 1


def _lot_tracking_clean_line_vals(vals):
    """The lot step measured by the till, as numbers the database takes."""
    if "lot_selection_ms" in vals:
        ms = vals["lot_selection_ms"]
        valid = isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms == ms
        vals["lot_selection_ms"] = int(min(max(ms, 0), INT4_MAX)) if valid else 0
    if "lot_auto_selected" in vals:
        vals["lot_auto_selected"] = vals["lot_auto_selected"] is True


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model
    def _process_order(self, order, existing_order):
        # The till's measures must never make a sale fail: bad values are dropped, not refused.
        for command in order.get("lines") or []:
            if isinstance(command, (list, tuple)) and len(command) == 3:
                vals = command[2]
                if isinstance(vals, dict):
                    _lot_tracking_clean_line_vals(vals)
        return super()._process_order(order, existing_order)

    def _process_saved_order(self, draft):
        # Core's own condition to take the stock out, met once per order (a paid order sent
        # again is ignored); before super, whose picking takes the lots of the lines.
        if not draft and self.state != "cancel":
            self._lot_tracking_record_sale()
        return super()._process_saved_order(draft)

    def _create_order_picking(self):
        # A picking known as a POS one from its creation on: lot checks never undo a sale.
        return super(
            PosOrder, self.with_context(default_pos_session_id=self.session_id.id)
        )._create_order_picking()

    def _lot_tracking_record_sale(self):
        """Log a ``sold`` event per lot line, and a ``violation`` (plus a manager activity) for
        a lot that may not be sold now or a discount the cashier may not give. Never refuses:
        the sale may have happened offline."""
        lines = self.lines.filtered(
            lambda line: line.product_id.tracking in ("lot", "serial") and line.qty > 0
        )
        self._lot_tracking_assign_missing_lots(lines)
        pack_lots = lines.pack_lot_ids.filtered("lot_name")
        if not pack_lots:
            return
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("product_id", "in", pack_lots.product_id.ids),
                    ("name", "in", pack_lots.mapped("lot_name")),
                    ("company_id", "in", [False, *self.company_id.ids]),
                ]
            )
        )
        lot_by_key = {(lot.product_id.id, lot.name): lot for lot in lots}
        now = fields.Datetime.now()
        events, violations = [], []
        for pack_lot in pack_lots:
            line = pack_lot.pos_order_line_id
            lot = lot_by_key.get((line.product_id.id, pack_lot.lot_name))
            if not lot:
                continue  # a new lot name: the picking creates it
            vals = {
                "lot_id": lot.id,
                "pos_order_id": line.order_id.id,
                "quantity": 1.0 if line.product_id.tracking == "serial" else line.qty,
                "user_id": self.env.uid,
            }
            events.append({**vals, "event_type": "sold", "date": line.order_id.date_order})
            notes = []
            if reason := lot._lot_tracking_block_reason(now):
                notes.append(
                    self.env._(
                        "Sold in %(order)s although it may not be sold: %(reason)s",
                        order=line.order_id.name,
                        reason=reason,
                    )
                )
            if reason := line._lot_tracking_discount_reason(lot):
                notes.append(
                    self.env._(
                        "Sold in %(order)s with a discount the cashier may not give: %(reason)s",
                        order=line.order_id.name,
                        reason=reason,
                    )
                )
            for note in notes:
                events.append({**vals, "event_type": "violation", "note": note})
                violations.append((lot, note))
        self.env["lot.tracking.event"].sudo().create(events)
        for lot, note in violations:
            lot.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=self.env._("Unsellable lot sold at the Point of Sale"),
                note=note,
                user_id=self._lot_tracking_manager(lot).id,
            )

    def _lot_tracking_cashier_is_manager(self):
        """Core's notion of a POS manager: the cashier (the employee with pos_hr, else the
        user) is in the POS manager group, or one of its advanced employees."""
        self.ensure_one()
        config = self.config_id
        employee = self["employee_id"] if "employee_id" in self._fields else False
        if employee:
            return (
                employee in config.advanced_employee_ids
                or config.group_pos_manager_id in employee.user_id.groups_id
            )
        return config.group_pos_manager_id in self.user_id.groups_id

    def _lot_tracking_assign_missing_lots(self, lines):
        """A lot line sold without lot ("continue without lot", offline) gets the first-to-expire
        sellable lot, so lot-valued stock still leaves; logged as a violation."""
        missing = lines.filtered(
            lambda line: (
                line.product_id.tracking == "lot" and not line.pack_lot_ids.filtered("lot_name")
            )
        )
        if not missing:
            return
        order_line = self.env["pos.order.line"]
        pack_lot_vals, events = [], []
        for order in missing.order_id:
            order_lines = missing.filtered(lambda line, order=order: line.order_id == order)
            lots_by_product = order_line._lot_tracking_sellable_lots(
                order.config_id, [("product_id", "in", order_lines.product_id.ids)]
            )
            for line in order_lines:
                lot = next(iter(lots_by_product.get(line.product_id.id, [])), None)
                if not lot:
                    _logger.warning(
                        "POS line %s sold without lot: no sellable lot in stock", line.id
                    )
                    continue
                pack_lot_vals.append({"pos_order_line_id": line.id, "lot_name": lot["name"]})
                events.append(
                    {
                        "lot_id": lot["id"],
                        "event_type": "violation",
                        "pos_order_id": order.id,
                        "quantity": line.qty,
                        "user_id": self.env.uid,
                        "note": self.env._(
                            "%(product)s sold in %(order)s without a lot: first-to-expire lot "
                            "assigned",
                            product=line.product_id.display_name,
                            order=order.name,
                        ),
                    }
                )
        self.env["pos.pack.operation.lot"].create(pack_lot_vals)
        self.env["lot.tracking.event"].sudo().create(events)

    def _lot_tracking_manager(self, lot):
        """The lot's product responsible when a Lot Tracking manager, else the first manager."""
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .users.filtered(
                lambda user: (
                    user.active and (not lot.company_id or lot.company_id in user.company_ids)
                )
            )
        )
        responsible = lot.product_id.responsible_id
        if responsible in managers:
            return responsible
        return managers[:1] or self.env["res.users"].browse(SUPERUSER_ID)
