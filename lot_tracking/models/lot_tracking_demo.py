import contextlib
import datetime
import itertools
import uuid

from odoo import Command, api, fields, models
from odoo.tools import SQL, groupby

from ..tools import gs1

# The date columns the story moves back in time: a past day of the story is played now, then
# the rows it created are moved back to that day.
DATED_COLUMNS = {
    "stock_picking": ["scheduled_date", "date_deadline", "date_done", "date"],
    "stock_move": ["date", "date_deadline"],
    "stock_move_line": ["date"],
    "stock_quant": ["in_date"],
    "stock_lot": ["receipt_date"],
    "stock_valuation_layer": [],
    "purchase_order": [
        "date_order",
        "date_approve",
        "date_planned",
        "effective_date",
        "date_calendar_start",
    ],
    "purchase_order_line": ["date_planned"],
    "pos_session": ["start_at", "stop_at"],
    "pos_order": ["date_order"],
    "pos_payment": ["payment_date"],
    "lot_tracking_event": ["date"],
    "lot_tracking_expiry_kpi": ["date"],
    "mail_message": ["date"],
}

# The past 90 days of the shop, played day by day: (days ago, hour (UTC), step, arguments).
# Fresh Fields Foods delivers on time with long shelf lives; Polder Dairy Wholesale is late
# and short-dated. The Bakery Shop sells dairy every few days; a café and a bistro buy in bulk.
# Receipts: (vendor, days ordered before arrival, days promised before arrival,
#            [(product, quantity, unit price, days of shelf life left at arrival)]).
HISTORY = [
    (85, 9, "receive", ("fresh", 5, 0, [("cheese", 40, 3.10, 112), ("vitamin", 40, 3.95, 700)])),
    (70, 11, "deliver", ("bistro", "cheese", 6)),
    (56, 11, "deliver", ("bistro", "cheese", 6)),
    (50, 9, "receive", ("polder", 8, 0, [("honey", 12, 2.60, 540)])),
    (42, 11, "deliver", ("bistro", "cheese", 6)),
    (30, 8, "receive", ("fresh", 2, 0, [("yogurt", 60, 1.05, 20)])),
    (29, 10, "deliver", ("cafe", "yogurt", 12)),
    (28, 11, "deliver", ("bistro", "cheese", 4)),
    (26, 9, "till", ()),
    (22, 10, "deliver", ("cafe", "yogurt", 12)),
    (21, 9, "till", ()),
    (20, 8, "receive", ("polder", 6, 2, [("cheese", 24, 2.90, 28)])),
    (19, 10, "release", ("cheese",)),
    (16, 8, "receive", ("polder", 3, 1, [("yogurt", 40, 0.95, 10)])),
    (16, 9, "till", ()),
    (14, 7, "count", (("cheese", -1), ("yogurt", 0))),
    (13, 10, "deliver", ("cafe", "yogurt", 12)),
    (11, 9, "till", ()),
    (7, 8, "receive", ("fresh", 2, 0, [("yogurt", 40, 1.05, 20)])),
    (6, 9, "till", ()),
    (4, 7, "count", (("yogurt", 0), ("cheese", 0), ("vitamin", -2), ("honey", 0))),
    (3, 10, "deliver", ("cafe", "yogurt", 6)),
    (2, 9, "till", ()),
]

# A day at the till: six orders, [(product, quantity)] each.
TILL_DAY = [
    [("yogurt", 2)],
    [("yogurt", 3), ("cheese", 1)],
    [("vitamin", 1), ("yogurt", 2)],
    [("cheese", 1), ("yogurt", 2)],
    [("yogurt", 2), ("vitamin", 1)],
    [("cheese", 1), ("yogurt", 2)],
]
# Milliseconds the lot step took: picked automatically (first to expire), or by hand.
AUTO_MS = [420, 510, 380, 650, 470, 560, 400, 720, 450]
MANUAL_MS = [4200, 5600, 3900, 7100, 4800, 6300, 5200]


class LotTrackingDemo(models.AbstractModel):
    """The demo's story, played through the module's own flows at install (demo data only)."""

    _name = "lot.tracking.demo"
    _description = "Lot Tracking demo scenario"

    @api.model
    def _play(self, order_id, customer_id):
        """Ninety days of history (receipts from a good and a poor vendor, sales at the till
        and to customers, inventory counts, the daily expiry figures), then today: receive the
        demo purchase by scanning GS1 labels, sell some of it, block a lot, recall one a
        customer already received, write off expired and recalled stock."""
        company = self.env.company
        if not company.lot_tracking_expiry_loss_account_id:
            Account = self.env["account.account"]
            expense = Account.search(
                [
                    *Account._check_company_domain(company),
                    ("account_type", "=", "expense"),
                    ("deprecated", "=", False),
                ],
                limit=1,
            )
            if expense:
                # an account of its own, numbered beside the chart's first expense account
                company.lot_tracking_expiry_loss_account_id = Account.create(
                    {
                        "name": self.env._("Expired and Recalled Stock"),
                        "code": Account._search_new_account_code(expense.code),
                        "account_type": "expense",
                    }
                )
        expiry = self._play_history(company)
        lots = self._receive(self.env["purchase.order"].browse(order_id))
        self._end_of_request()
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
        self._end_of_request()
        self._close_the_day(expiry, recall)

    # ------------------------------------------------------------------------------------
    # The past: played now, then moved back to its day
    # ------------------------------------------------------------------------------------
    def _demo_records(self):
        ref = self.env.ref
        products = {
            "yogurt": ref("lot_tracking.demo_product_yogurt"),
            "cheese": ref("lot_tracking.demo_product_cheese"),
            "vitamin": ref("lot_tracking.demo_product_vitamin"),
            "honey": ref("lot_tracking.demo_product_honey"),
        }
        partners = {
            "fresh": ref("lot_tracking.demo_supplier"),
            "polder": ref("lot_tracking.demo_supplier_polder"),
            "cafe": ref("lot_tracking.demo_customer_cafe"),
            "bistro": ref("lot_tracking.demo_customer_bistro"),
        }
        return products, partners

    @api.model
    def _play_history(self, company):
        """Play ``HISTORY``; return ``{lot: expiration datetime}`` of the lots it received.

        Lots keep the expiry their label gave relative to now while the past is played, so
        that no flow judges them by today's date; they get their real expiry afterwards.
        Each morning the expiry figures are recorded as the daily run records them."""
        products, partners = self._demo_records()
        shop = self.env.ref("point_of_sale.pos_config_bakery", raise_if_not_found=False)
        state = {
            "expiry": {},
            "alerted": set(),
            "expired": set(),
            "auto_ms": itertools.cycle(AUTO_MS),
            "manual_ms": itertools.cycle(MANUAL_MS),
            "lines": itertools.count(),
            "pending": {},  # sold at the till, leaving the stock when the session closes
        }
        today = fields.Date.today()
        for days, steps in groupby(HISTORY, key=lambda step: step[0]):
            day = today - datetime.timedelta(days=days)
            if state["expiry"]:
                with self._on(day, 6):
                    self._record_expiry_run(company, day, state)
            for __, hour, step, args in steps:
                if step == "receive":
                    vendor, ordered, promised, lines = args
                    with self._on(day, hour):
                        order = self._purchase(
                            partners[vendor],
                            [(products[name], qty, price) for name, qty, price, __ in lines],
                        )
                        labels = {products[name]: shelf for name, __, __, shelf in lines}
                        self._receive_history(order, labels, day, state)
                    arrival = datetime.datetime.combine(day, datetime.time(hour))
                    order.write(
                        {
                            "date_order": arrival - datetime.timedelta(days=ordered),
                            "date_approve": arrival - datetime.timedelta(days=ordered),
                        }
                    )
                    order.order_line.date_planned = arrival - datetime.timedelta(days=promised)
                elif step == "deliver":
                    customer, name, quantity = args
                    with self._on(day, hour):
                        self._deliver_first_to_expire(
                            products[name], quantity, partners[customer], day, state
                        )
                elif step == "till" and shop:
                    self._till_day(shop, products, day, hour, state)
                elif step == "release":
                    (name,) = args
                    with self._on(day, hour):
                        lots = self.env["stock.lot"].search(
                            [
                                ("id", "in", [lot.id for lot in state["expiry"]]),
                                ("product_id", "=", products[name].id),
                                ("quality_state", "=", "quarantine"),
                            ]
                        )
                        self.env["lot.tracking.quality.wizard"].create(
                            {
                                "lot_ids": [Command.set(lots.ids)],
                                "new_state": "released",
                                "reason": self.env._(
                                    "Short-dated but sound: accepted at a lower price, sell first."
                                ),
                            }
                        ).action_apply()
                elif step == "count":
                    with self._on(day, hour):
                        self._count(
                            [(products[name], difference) for name, difference in args], state
                        )
        # The lots' real expiry, now that nothing of the past judges them any more.
        for lot, expiration in state["expiry"].items():
            # product_expiry moves the other dates along in the form only: here, by hand
            delta = expiration - lot.expiration_date
            lot.with_context(tracking_disable=True).write(
                {
                    "expiration_date": expiration,
                    **{
                        name: lot[name] + delta
                        for name in ("use_date", "removal_date", "alert_date")
                        if lot[name]
                    },
                }
            )
        return state["expiry"]

    @contextlib.contextmanager
    def _on(self, day, hour):
        """Move what the block creates back to ``day`` at ``hour`` (UTC): the dates of the
        rows it creates move by the time between then and now."""
        cr = self.env.cr
        self.env.flush_all()
        marks = {}
        for table in DATED_COLUMNS:
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
            marks[table] = cr.fetchone()[0]
        then = datetime.datetime.combine(day, datetime.time(hour))
        # create_date is the transaction's time (cr.now()), the other dates the clock's
        deltas = {"create_date": cr.now() - then}
        delta = fields.Datetime.now() - then
        yield
        self._end_of_request()
        for table, columns in DATED_COLUMNS.items():
            cr.execute(
                SQL(
                    "UPDATE %s SET %s WHERE id > %s",
                    SQL.identifier(table),
                    SQL(", ").join(
                        SQL(
                            "%(column)s = %(column)s - %(delta)s",
                            column=SQL.identifier(column),
                            delta=deltas.get(column, delta),
                        )
                        for column in [*columns, "create_date"]
                    ),
                    marks[table],
                )
            )
        self.env.invalidate_all()

    def _end_of_request(self):
        """What the end of a user's request does: write the pending chatter tracking (else
        written at the end of the demo, dated today and mixing the story's steps)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()

    @api.model
    def _purchase(self, vendor, lines):
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "date_planned": fields.Datetime.now(),
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": price,
                            "date_planned": fields.Datetime.now(),
                        }
                    )
                    for product, qty, price in lines
                ],
            }
        )
        order.button_confirm()
        return order

    @api.model
    def _receive_history(self, order, shelf_lives, day, state):
        """Scan the vendor's labels on the receipt of ``order``: one lot per product with
        ``shelf_lives[product]`` days left; remember when each lot really expires."""
        code = "FF" if order.partner_id == self.env.ref("lot_tracking.demo_supplier") else "PD"
        labels = [
            (
                line.product_id,
                f"{code}-{day:%y%m%d}",
                shelf_lives[line.product_id],
                int(line.product_qty),
            )
            for line in order.order_line
        ]
        lots = self._scan_receipt(
            order.picking_ids[:1].with_context(ir_sequence_date=fields.Date.to_string(day)),
            labels,
        )
        for lot in lots:
            expires = day + datetime.timedelta(days=shelf_lives[lot.product_id])
            state["expiry"][lot] = datetime.datetime.combine(expires, datetime.time(23, 59, 59))

    def _first_to_expire(self, product, quantity, day, state):
        """[(lot, quantity)] that sells ``quantity`` of ``product`` on ``day`` first to expire
        first among the released lots still before their removal date."""
        candidates = [
            (expiration, lot)
            for lot, expiration in state["expiry"].items()
            if lot.product_id == product
            and lot.quality_state == "released"
            and (expiration - datetime.timedelta(days=product.removal_time)).date() > day
        ]
        on_hand = (
            self.env["stock.lot"].browse([lot.id for __, lot in candidates])._lot_tracking_on_hand()
        )
        for lot_id, sold in state["pending"].items():
            if lot_id in on_hand:
                on_hand[lot_id] -= sold
        picks = []
        for __, lot in sorted(candidates, key=lambda item: (item[0], item[1].id)):
            take = min(quantity, on_hand.get(lot.id, 0))
            if take > 0:
                picks.append((lot, take))
                quantity -= take
            if quantity <= 0:
                break
        return picks

    @api.model
    def _deliver_first_to_expire(self, product, quantity, customer, day, state):
        for lot, qty in self._first_to_expire(product, quantity, day, state):
            self._deliver(lot, qty, customer)

    @api.model
    def _till_day(self, shop, products, day, hour, state):
        """A day at the till: open the session, ring up ``TILL_DAY``, close the session."""
        admin = self.env.ref("base.user_admin")
        with self._on(day, hour - 1):
            session = self.env["pos.session"].create({"config_id": shop.id, "user_id": admin.id})
            # the stock leaves at closing, in one picking per session (core's default setting)
            session.update_stock_at_closing = True
            session.set_opening_control(0, None)
        for number, basket in enumerate(TILL_DAY, start=1):
            with self._on(day, hour + number):
                lines = []
                for name, quantity in basket:
                    for lot, qty in self._first_to_expire(products[name], quantity, day, state):
                        manual = next(state["lines"]) % 3 == 2
                        ms = next(state["manual_ms"] if manual else state["auto_ms"])
                        lines.append((products[name], qty, lot, not manual, ms))
                        state["pending"][lot.id] = state["pending"].get(lot.id, 0) + qty
                if lines:
                    self._till_order(session, admin, number, lines)
        with self._on(day, hour + 9):
            session.post_closing_cash_details(session.cash_register_balance_end)
            session.close_session_from_ui()
        state["pending"].clear()
        session.stop_at = datetime.datetime.combine(day, datetime.time(hour + 9))

    @api.model
    def _till_order(self, session, cashier, number, lines):
        """Sync a paid order as the till sends it: ``lines`` are
        ``[(product, quantity, lot, picked automatically, lot step milliseconds)]``."""
        config = session.config_id
        currency = session.currency_id
        fiscal_position = config.default_fiscal_position_id
        company_taxes = self.env["account.tax"]._check_company_domain(config.company_id)
        commands, total, untaxed = [], 0.0, 0.0
        for product, quantity, lot, auto, ms in lines:
            price = (
                config.pricelist_id._get_product_price(product, quantity)
                if config.pricelist_id
                else product.lst_price
            )
            taxes = fiscal_position.map_tax(product.taxes_id.filtered_domain(company_taxes))
            amounts = taxes.compute_all(price, currency, quantity, product=product)
            total += amounts["total_included"]
            untaxed += amounts["total_excluded"]
            commands.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "full_product_name": product.display_name,
                        "qty": quantity,
                        "price_unit": price,
                        "price_subtotal": amounts["total_excluded"],
                        "price_subtotal_incl": amounts["total_included"],
                        "tax_ids": [Command.set(taxes.ids)],
                        "pack_lot_ids": [Command.create({"lot_name": lot.name})],
                        "lot_auto_selected": auto,
                        "lot_selection_ms": ms,
                    }
                )
            )
        cash = config.payment_method_ids.filtered(
            lambda method: method.is_cash_count and not method.split_transactions
        )[:1]
        card = config.payment_method_ids.filtered(
            lambda method: not method.is_cash_count and not method.split_transactions
        )[:1]
        method = (card if number % 2 else cash) or cash
        total = currency.round(total)
        self.env["pos.order"].sync_from_ui(
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "access_token": str(uuid.uuid4()),
                    "name": f"Order {session.id:05d}-001-{number:04d}",
                    "session_id": session.id,
                    "sequence_number": number,
                    "user_id": cashier.id,
                    "partner_id": False,
                    "pricelist_id": config.pricelist_id.id,
                    "fiscal_position_id": fiscal_position.id,
                    "date_order": fields.Datetime.to_string(fields.Datetime.now()),
                    "lines": commands,
                    "payment_ids": [
                        Command.create(
                            {
                                "amount": total,
                                "name": fields.Datetime.now(),
                                "payment_method_id": method.id,
                            }
                        )
                    ],
                    "amount_total": total,
                    "amount_tax": total - currency.round(untaxed),
                    "amount_paid": total,
                    "amount_return": 0,
                    "to_invoice": False,
                    "state": "paid",
                    "last_order_preparation_change": "{}",
                }
            ]
        )

    @api.model
    def _count(self, counts, state):
        """Count every lot of each product where it lies, and apply the counts (Physical
        Inventory): the first lot is found ``difference`` units off, the others right."""
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        for product, difference in counts:
            quants = Quant.search(
                [
                    ("product_id", "=", product.id),
                    ("lot_id", "in", [lot.id for lot in state["expiry"]]),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ],
                order="lot_id",
            )
            for index, quant in enumerate(quants):
                quant.inventory_quantity = quant.quantity + (difference if index == 0 else 0)
            quants.action_apply_inventory()

    @api.model
    def _record_expiry_run(self, company, day, state):
        """The expiry figures of ``day``'s morning, as the daily run records them."""
        now = datetime.datetime.combine(day, datetime.time(6))
        warning = company.lot_tracking_expiry_warning_days
        lots = self.env["stock.lot"].browse([lot.id for lot in state["expiry"]])
        on_hand = lots._lot_tracking_on_hand()
        window = lots.filtered(
            lambda lot: (
                state["expiry"][lot] - datetime.timedelta(days=lot.product_id.alert_time or warning)
                <= now
            )
        )
        alerted = window.filtered(
            lambda lot: on_hand.get(lot.id) and lot.id not in state["alerted"]
        )
        expired = window.filtered(
            lambda lot: (
                on_hand.get(lot.id)
                and state["expiry"][lot] <= now
                and lot.id not in state["expired"]
            )
        )
        state["alerted"].update(alerted.ids)
        state["expired"].update(expired.ids)
        self.env["lot.tracking.expiry.kpi"]._record_run(
            company, [("id", "in", window.ids)], alerted, expired
        )

    # ------------------------------------------------------------------------------------
    # Today
    # ------------------------------------------------------------------------------------
    @api.model
    def _receive(self, order):
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
        return self._scan_receipt(order.picking_ids[:1], labels)

    @api.model
    def _scan_receipt(self, receipt, labels):
        """Scan ``labels`` ``[(product, supplier lot code, days to expiry, count)]`` on
        ``receipt``, put chilled goods in the refrigerator, validate; return the lots."""
        today = fields.Date.context_today(self)
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
        fridge = self.env.ref("stock.location_refrigerator_small", raise_if_not_found=False)
        chilled = self.env.ref("lot_tracking.demo_product_yogurt") | self.env.ref(
            "lot_tracking.demo_product_cheese"
        )
        if fridge:
            receipt.move_line_ids.filtered(
                lambda line: line.product_id in chilled
            ).location_dest_id = fridge
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
        quant = self.env["stock.quant"].search(
            [
                ("lot_id", "=", lot.id),
                ("location_id", "child_of", warehouse.lot_stock_id.id),
                ("quantity", ">=", quantity),
            ],
            limit=1,
        )
        self.env["stock.move.line"].create(
            {
                **picking.move_ids._prepare_move_line_vals(quantity=quantity, reserved_quant=quant),
                "lot_id": lot.id,
            }
        )
        picking.move_ids.picked = True
        picking.button_validate()

    @api.model
    def _close_the_day(self, expiry, recall):
        """Today's expiry run, then what a manager does with its findings: write off the
        expired stock and the recalled stock left; the slow-mover suggestions; the analysis
        figures stored for the dashboard."""
        company = self.env.company
        self.env["stock.lot"]._cron_lot_tracking_expiry()
        now = fields.Datetime.now()
        expired = self.env["stock.lot"].browse(
            [lot.id for lot, expiration in expiry.items() if expiration <= now]
        )
        on_hand = expired._lot_tracking_on_hand()
        expired = expired.filtered(lambda lot: on_hand.get(lot.id))
        if expired:
            self.env["lot.tracking.write.off.wizard"].create(
                {
                    "lot_ids": [Command.set(expired.ids)],
                    "reason": self.env._("Expired on the shelf: taken off sale and destroyed."),
                }
            ).action_apply()
        on_hand = recall.lot_ids._lot_tracking_on_hand()
        recalled = recall.lot_ids.filtered(lambda lot: on_hand.get(lot.id))
        if recalled:
            self.env["lot.tracking.write.off.wizard"].create(
                {
                    "lot_ids": [Command.set(recalled.ids)],
                    "reason": self.env._(
                        "Recall %(recall)s: remaining stock destroyed as the supplier asked.",
                        recall=recall.name,
                    ),
                }
            ).action_apply()
            recall.action_refresh()
        self.env["lot.tracking.suggestion"]._lot_tracking_suggest(company)
        self.env["lot.tracking.analysis.store"]._cron_lot_tracking_refresh_analysis()
