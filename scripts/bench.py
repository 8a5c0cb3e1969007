"""Benchmarks: core Odoo 18 vs lot_tracking, measured in one run on this machine.

Called by `scripts/lt bench`. Two databases are (re)created once and kept for later runs:
`<prefix>_core` (the core modules lot_tracking depends on) and `<prefix>_lt` (+ lot_tracking),
the prefix being `$LOT_TRACKING_BENCH_PREFIX` (default `lt_bench`: give each work tree its own).
Each benchmark builds its data inside a transaction that is rolled back.
"""

import argparse
import importlib
import os
import sys
import time

from benchlib import median_ms

CORE_MODULES = (
    "stock,stock_account,purchase_stock,product_expiry,point_of_sale,barcodes_gs1_nomenclature"
)
PREFIX = os.environ.get("LOT_TRACKING_BENCH_PREFIX") or "lt_bench"
DB_CORE, DB_LT = f"{PREFIX}_core", f"{PREFIX}_lt"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--expiry-lots", type=int, default=100000)
    parser.add_argument("--reinstall", action="store_true", help="recreate the databases")
    parser.add_argument(
        "--analytics",
        action="store_true",
        help="also the lot analytics over 100,000 lots and 1,000,000 move lines (minutes)",
    )
    parser.add_argument(
        "--only",
        choices=["receipt", "valuation", "expiry", "pos", "trace", "scan"],
        help="one benchmark",
    )
    return parser.parse_args()


def ensure_db(odoo, name, modules, reinstall):
    import odoo.service.db as db_service  # noqa: PLC0415

    exists = name in db_service.list_dbs(force=True)
    if exists and not reinstall:
        return
    if exists:
        db_service.exp_drop(name)
    print(f"installing {modules} into {name} …", file=sys.stderr, flush=True)
    db_service._create_empty_database(name)
    odoo.tools.config["init"] = dict.fromkeys(modules.split(","), 1)
    odoo.tools.config["without_demo"] = "all"
    odoo.modules.registry.Registry.new(name, update_module=True)
    odoo.tools.config["init"] = {}
    with odoo.modules.registry.Registry(name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)


def in_rollback(odoo, db, func):
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            return func(env)
        finally:
            cr.rollback()


def receipt_benchmark(lines, typed_names):
    def run(env):
        category = env["product.category"].create(
            {
                "name": "Bench FIFO",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Bench {i}",
                    "is_storable": True,
                    "tracking": "lot",
                    "lot_valuated": True,
                    "categ_id": category.id,
                }
                for i in range(lines)
            ]
        )
        partner = env["res.partner"].create({"name": "Bench supplier"})
        order = env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    (0, 0, {"product_id": p.id, "product_qty": 3, "price_unit": 2.5})
                    for p in products
                ],
            }
        )
        order.button_confirm()
        picking = order.picking_ids
        for i, line in enumerate(picking.move_line_ids):
            if typed_names:
                line.lot_name = f"BENCH-{i}"
        picking.move_ids.picked = True
        env.flush_all()
        env.invalidate_all()
        queries = env.cr.sql_log_count
        start = time.perf_counter()
        picking.button_validate()
        env.flush_all()
        elapsed = time.perf_counter() - start
        assert picking.state == "done", picking.state
        return elapsed, env.cr.sql_log_count - queries

    return run


def valuation_report_benchmark(lots):
    """Per-lot valuation report vs core's inventory valuation (layers grouped by product)."""

    def run(env):
        category = env["product.category"].create(
            {"name": "Bench AVCO", "property_cost_method": "average"}
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Valued {i}",
                    "is_storable": True,
                    "tracking": "lot",
                    "categ_id": category.id,
                }
                for i in range(lots // 100)
            ]
        )
        lot_records = env["stock.lot"].create(
            [
                {"name": f"VAL-{i}", "product_id": products[i % len(products)].id}
                for i in range(lots)
            ]
        )
        env["stock.valuation.layer"].create(
            [
                {
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "quantity": 3,
                    "value": 3 * (1 + i % 7),
                    "unit_cost": 1 + i % 7,
                    "company_id": env.company.id,
                }
                for i, lot in enumerate(lot_records)
            ]
        )
        env.flush_all()
        # statistics as autovacuum would have them on a live database
        env.cr.execute(
            "ANALYZE stock_valuation_layer, stock_lot, product_product, product_template"
        )
        aggregates = ["quantity:sum", "value:sum"]
        layers = env["stock.valuation.layer"]
        report = env["lot.tracking.valuation.report"]

        def core():
            env.invalidate_all()
            layers.web_read_group([], ["product_id", *aggregates], ["product_id"])

        def ours_grouped():
            env.invalidate_all()
            report.web_read_group([], ["product_id", *aggregates], ["product_id"])

        def ours_page():
            env.invalidate_all()
            report.web_search_read(
                [],
                {name: {} for name in ("quantity", "unit_cost", "value", "quality_state")}
                | {
                    "lot_id": {"fields": {"display_name": {}}},
                    "product_id": {"fields": {"display_name": {}}},
                },
                limit=80,
            )

        return median_ms(core), median_ms(ours_grouped), median_ms(ours_page)

    return run


def expiry_benchmark(lot_count, methods, due_every=10):
    """Expiry alerting over ``lot_count`` lots with stock, 1 in ``due_every`` due: each of
    ``methods`` of stock.lot on the same data (a savepoint between them). In a database
    without lot_tracking, `_alert_date_exceeded` is core's loop; with it, our batched pass."""

    def run(env):
        cr = env.cr
        admin = env.ref("base.user_admin")
        product = env["product.product"].create(
            {
                "name": "Bench expiry",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "alert_time": 15,
                "responsible_id": admin.id,
            }
        )
        stock = (
            env["stock.warehouse"]
            .search([("company_id", "=", env.company.id)], limit=1)
            .lot_stock_id
        )
        env.flush_all()
        # lot_tracking's quality_state is NOT NULL; core has no such column
        state_column, state_value = (
            (", quality_state", ", 'released'") if "quality_state" in env["stock.lot"] else ("", "")
        )
        cr.execute(
            f"""
            INSERT INTO stock_lot (name, product_id, company_id, expiration_date, alert_date,
                                   product_expiry_reminded, create_uid, write_uid, create_date,
                                   write_date{state_column})
            SELECT 'EXP-' || i, %(product)s, %(company)s,
                   now() AT TIME ZONE 'UTC' + (CASE WHEN i %% %(every)s = 0 THEN 10 ELSE 200 END) * interval '1 day',
                   now() AT TIME ZONE 'UTC' + (CASE WHEN i %% %(every)s = 0 THEN -5 ELSE 185 END) * interval '1 day',
                   false, 1, 1, now(), now(){state_value}
              FROM generate_series(1, %(count)s) i;
            INSERT INTO stock_quant (product_id, lot_id, location_id, company_id, quantity,
                                     reserved_quantity, in_date, create_uid, write_uid,
                                     create_date, write_date)
            SELECT product_id, id, %(location)s, %(company)s, 1, 0, now(), 1, 1, now(), now()
              FROM stock_lot WHERE product_id = %(product)s;
            ANALYZE stock_lot, stock_quant;
            """,
            {
                "product": product.id,
                "company": env.company.id,
                "location": stock.id,
                "every": due_every,
                "count": lot_count,
            },
        )
        env.invalidate_all()
        results = {}
        for method in methods:
            cr.execute("SAVEPOINT lt_bench_expiry")
            queries = cr.sql_log_count
            start = time.perf_counter()
            getattr(env["stock.lot"], method)()
            env.flush_all()
            elapsed, queries = time.perf_counter() - start, cr.sql_log_count - queries
            cr.execute(
                "SELECT COUNT(*) FROM mail_activity WHERE res_model = 'stock.lot'"
                " AND res_id IN (SELECT id FROM stock_lot WHERE product_id = %s)",
                (product.id,),
            )
            results[method] = (elapsed, queries, cr.fetchone()[0])
            cr.execute("ROLLBACK TO SAVEPOINT lt_bench_expiry")
            env.invalidate_all()
        return results

    return run


def main():
    args = parse_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    if args.only in (None, "receipt", "expiry"):  # the others compare in one database
        ensure_db(odoo, DB_CORE, CORE_MODULES, args.reinstall)
    ensure_db(odoo, DB_LT, "lot_tracking", args.reinstall)
    if not args.reinstall:
        odoo.tools.config["update"] = {"lot_tracking": 1}
        odoo.modules.registry.Registry.new(DB_LT, update_module=True)
        odoo.tools.config["update"] = {}

    if args.only in (None, "receipt"):
        receipt_benchmarks(odoo, args.lines)
    if args.only in (None, "valuation"):
        valuation_benchmarks(odoo)
    if args.only in (None, "expiry"):
        expiry_benchmarks(odoo, args.expiry_lots)
    if args.only in (None, "pos"):
        module_benchmarks(odoo, ["bench_pos"])
    if args.only in (None, "trace"):
        module_benchmarks(odoo, ["bench_trace"])
    if args.only in (None, "scan"):
        scan_benchmarks(odoo)
    if args.analytics:
        analytics_benchmarks(odoo)
    return 0


def receipt_benchmarks(odoo, n):
    rows = []
    core = in_rollback(odoo, DB_CORE, receipt_benchmark(n, typed_names=True))
    ours_typed = in_rollback(odoo, DB_LT, receipt_benchmark(n, typed_names=True))
    ours_auto = in_rollback(odoo, DB_LT, receipt_benchmark(n, typed_names=False))
    for label, (seconds, queries) in (
        (f"receipt {n} lot lines, core, typed lot names", core),
        (f"receipt {n} lot lines, lot_tracking, typed lot names", ours_typed),
        (f"receipt {n} lot lines, lot_tracking, auto-numbered lots", ours_auto),
    ):
        rows.append((label, seconds, queries))
    print(f"{'benchmark':58} {'time':>9} {'queries':>8} {'time x':>7} {'queries x':>9}")
    for label, seconds, queries in rows:
        print(
            f"{label:58} {seconds:8.2f}s {queries:8d} {seconds / core[0]:6.2f}x "
            f"{queries / core[1]:8.2f}x"
        )


def valuation_benchmarks(odoo):
    core_ms, grouped_ms, page_ms = in_rollback(odoo, DB_LT, valuation_report_benchmark(10000))
    print(
        f"valuation over 10,000 lots: core layers by product {core_ms:.1f} ms; lot report by "
        f"product {grouped_ms:.1f} ms ({grouped_ms / core_ms:.2f}x); lot report first page "
        f"{page_ms:.1f} ms ({page_ms / core_ms:.2f}x)"
    )


def expiry_benchmarks(odoo, lot_count):
    """Core's alert pass (its own database) against the same pass with lot_tracking, which
    the stock scheduler now runs batched, and against our daily cron."""
    core = in_rollback(odoo, DB_CORE, expiry_benchmark(lot_count, ["_alert_date_exceeded"]))
    ours = in_rollback(
        odoo,
        DB_LT,
        expiry_benchmark(lot_count, ["_alert_date_exceeded", "_cron_lot_tracking_expiry"]),
    )
    core_s, core_q, core_n = core["_alert_date_exceeded"]
    print(
        f"expiry alerts over {lot_count:,} lots, 10% due: core _alert_date_exceeded "
        f"{core_s:.1f}s / {core_q} queries / {core_n} activities"
    )
    for label, method in (
        ("lot_tracking _alert_date_exceeded (stock scheduler)", "_alert_date_exceeded"),
        ("lot_tracking cron", "_cron_lot_tracking_expiry"),
    ):
        seconds, queries, activities = ours[method]
        print(
            f"  {label}: {seconds:.1f}s / {queries} queries / {activities} activities; "
            f"{core_s / seconds:.1f}x faster, {core_q / max(queries, 1):.0f}x fewer queries"
        )


def analytics_benchmarks(odoo):
    result = in_rollback(odoo, DB_LT, importlib.import_module("bench_analytics").run)
    print(
        f"{result['name']}: core stock.move.line pivot by lot {result['core_ms']:.0f} ms; "
        f"lot analysis by lot {result['ours_ms']:.0f} ms ({result['ratio']:.2f}x); "
        f"Lots dashboard full load {result['dashboard_ms']:.0f} ms "
        f"({result['dashboard_ratio']:.2f}x); daily store refresh {result['store_refresh_ms']:.0f} ms"
    )


def module_benchmarks(odoo, names):
    """Benchmarks kept beside this script as modules with a ``run(env) -> dict``."""
    for name in names:
        result = in_rollback(odoo, DB_LT, importlib.import_module(name).run)
        print(
            f"{result['name']}: core {result['core_ms']:.1f} ms, lot_tracking "
            f"{result['ours_ms']:.1f} ms, ratio {result['ratio']:.2f}x"
        )
        for line in result.get("more", []):
            print(f"  {line}")


def scan_benchmarks(odoo):
    """A receiving scan as the receipt form makes it, flat in the receipt's size."""
    result = in_rollback(odoo, DB_LT, importlib.import_module("bench_scan").run)
    sizes = [size for size in result if isinstance(size, int)]
    figures = ", ".join(
        f"{size} lines {result[size][0]:.1f} ms / {result[size][1]} queries" for size in sizes
    )
    ratio = result[sizes[-1]][0] / result[sizes[0]][0]
    print(f"{result['name']}: {figures}; {sizes[-1]} vs {sizes[0]} lines {ratio:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
