"""Benchmark: the lot analytics over 100,000 lots and 1,000,000 move lines vs core's
stock.move.line pivot grouped by lot (``read_group``) on the same data, one run.

``run(env)`` inserts its data with SQL (the caller rolls back): 1,000 lot-tracked products,
100 lots each received a year back to today, each lot with one receipt and nine deliveries
over the year, its quant and its receipt's valuation layer. Timings are medians of 3 runs
with a cold ORM cache.

- core: the Inventory > Moves Analysis pivot grouped by lot, ``stock.move.line.read_group``;
- analysis by lot: the same pivot on ``lot.tracking.analysis``;
- dashboard: every request the Lots dashboard makes when it opens (its pivots and lists);
- store refresh: the cron storing every lot's analysis row (once a day; then only the
  products changed since).

    /root/.cache/lot_tracking/venv/bin/python scripts/bench_analytics.py \
        --odoo-src /opt/odoo-18.0-src --config ~/.cache/lot_tracking/odoo-XXXX.conf -d DB
"""

import argparse
import datetime
import statistics
import sys
import time

LOTS = 100_000
LINES_PER_LOT = 10
PRODUCTS = 1_000
RUNS = 3


def _insert(env, lots=LOTS, products=PRODUCTS):
    cr = env.cr
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    category = env["product.category"].create({"name": "Bench Analytics"})
    partner = env["res.partner"].create({"name": "Bench Analytics Supplier"})
    records = env["product.product"].create(
        [
            {
                "name": f"Bench Analytics {i}",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "categ_id": category.id,
            }
            for i in range(products)
        ]
    )
    env.flush_all()
    params = {
        "company": company.id,
        "products": records.ids,
        "per_product": lots // products,
        "lots": lots,
        "supplier": env.ref("stock.stock_location_suppliers").id,
        "customer": env.ref("stock.stock_location_customers").id,
        "stock": warehouse.lot_stock_id.id,
        "uom": records[:1].uom_id.id,
        "partner": partner.id,
        "deliveries": LINES_PER_LOT - 1,
    }
    # bulk load: no row triggers (the first refresh stores every lot anyway)
    cr.execute("SET LOCAL session_replication_role = replica")
    cr.execute(
        """
        CREATE TEMP TABLE bench_lot ON COMMIT DROP AS
        SELECT i, (%(products)s::int[])[1 + (i - 1) / %(per_product)s] AS product_id,
               (now() AT TIME ZONE 'UTC') - ((i::bigint * 7919) %% 365) * interval '1 day' AS received,
               (now() AT TIME ZONE 'UTC') + (((i::bigint * 104729) %% 330) - 30) * interval '1 day'
                   AS expires
          FROM generate_series(1, %(lots)s) i;
        INSERT INTO stock_lot (name, product_id, company_id, supplier_id, receipt_date,
                               expiration_date, removal_date, quality_state, create_uid,
                               write_uid, create_date, write_date)
        SELECT 'BA-' || i, product_id, %(company)s, %(partner)s, received, expires, expires,
               'released', 1, 1, received, received
          FROM bench_lot;
        INSERT INTO stock_move_line (product_id, product_uom_id, lot_id, location_id,
                                     location_dest_id, company_id, state, date, quantity,
                                     quantity_product_uom, picked, create_uid, write_uid,
                                     create_date, write_date)
        SELECT lot.product_id, %(uom)s, lot.id,
               CASE WHEN leg = 0 THEN %(supplier)s ELSE %(stock)s END,
               CASE WHEN leg = 0 THEN %(stock)s ELSE %(customer)s END,
               %(company)s, 'done',
               lot.receipt_date + leg * ((now() AT TIME ZONE 'UTC') - lot.receipt_date)
                   / (%(deliveries)s + 1),
               CASE WHEN leg = 0 THEN 20 ELSE 1 END, CASE WHEN leg = 0 THEN 20 ELSE 1 END,
               true, 1, 1, now(), now()
          FROM stock_lot lot
         CROSS JOIN generate_series(0, %(deliveries)s) leg
         WHERE lot.name LIKE 'BA-%%' AND lot.company_id = %(company)s;
        INSERT INTO stock_quant (product_id, lot_id, location_id, company_id, quantity,
                                 reserved_quantity, in_date, create_uid, write_uid,
                                 create_date, write_date)
        SELECT product_id, id, %(stock)s, %(company)s, 20 - %(deliveries)s, 0, receipt_date,
               1, 1, now(), now()
          FROM stock_lot WHERE name LIKE 'BA-%%' AND company_id = %(company)s;
        INSERT INTO stock_valuation_layer (product_id, lot_id, company_id, quantity, value,
                                           unit_cost, remaining_qty, create_uid, write_uid,
                                           create_date, write_date)
        SELECT product_id, id, %(company)s, 20, 20 * (1 + id %% 7), 1 + id %% 7, 20, 1, 1,
               receipt_date, now()
          FROM stock_lot WHERE name LIKE 'BA-%%' AND company_id = %(company)s;
        ANALYZE stock_lot, stock_move_line, stock_quant, stock_valuation_layer, product_product,
                product_template, res_partner;
        """,
        params,
    )
    cr.execute("SET LOCAL session_replication_role = origin")
    env.invalidate_all()
    cr.execute("SELECT COUNT(*) FROM stock_move_line WHERE lot_id IS NOT NULL")
    return cr.fetchone()[0]


def _median_ms(env, func, runs=RUNS):
    timings = []
    for _i in range(runs):
        env.invalidate_all()
        start = time.perf_counter()
        result = func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


def dashboard_requests(env):
    """What the Lots dashboard asks the server when it opens: the pivots' read_group, the
    lists' first rows, and the sample check on its main model."""
    kpi = env["lot.tracking.kpi"]
    analysis = env["lot.tracking.analysis"]
    accuracy = env["lot.tracking.stock.accuracy"]
    saved = env["lot.tracking.time.saved"]
    vendors = env["lot.tracking.vendor.score"]
    month_ago = datetime.date.today() - datetime.timedelta(days=30)
    names = {"display_name": {}}
    env["stock.lot"].search_count([], limit=1)
    kpi.read_group([], ["nearing_expiry_qty_pct:avg", "nearing_expiry_value_pct:avg"], [])
    analysis.read_group(
        [("days_to_expiry", ">=", 0), ("days_to_expiry", "<=", 30)],
        ["projected_unsold_value:sum"],
        [],
    )
    accuracy.read_group([("date", ">=", month_ago)], ["accuracy_rate:avg", "counts:sum"], [])
    saved.read_group([("date", ">=", month_ago)], ["saved_seconds:sum", "transactions:sum"], [])
    analysis.read_group([], ["utilization:avg"], ["categ_id"], lazy=False)
    fields = {"product_id": {"fields": names}, "lot_id": {"fields": names}}
    analysis.web_search_read(
        [("has_velocity", "=", True), ("sales_per_day", ">", 0)],
        {**fields, "sales_per_day": {}, "qty_on_hand": {}, "days_of_cover": {}},
        order="sales_per_day desc",
        limit=5,
    )
    analysis.web_search_read(
        [("is_stagnating", "=", True)],
        {**fields, "qty_on_hand": {}, "projected_unsold_value": {}, "days_to_expiry": {}},
        order="projected_unsold_value desc, qty_on_hand desc",
        limit=5,
    )
    vendor_fields = {
        "partner_id": {"fields": names},
        "lots_received": {},
        "shelf_life_at_receipt_pct": {},
        "write_off_value_pct": {},
    }
    for order in (
        "write_off_value_pct, shelf_life_at_receipt_pct desc",
        "write_off_value_pct desc",
    ):
        vendors.web_search_read([], vendor_fields, order=order, limit=5)


def run(env):
    lines = _insert(env)
    start = time.perf_counter()
    env["lot.tracking.analysis.store"]._cron_lot_tracking_refresh_analysis()
    refresh_ms = (time.perf_counter() - start) * 1000
    core_ms, core = _median_ms(
        env,
        lambda: env["stock.move.line"].read_group([], ["quantity:sum"], ["lot_id"], lazy=False),
    )
    ours_ms, ours = _median_ms(
        env,
        lambda: env["lot.tracking.analysis"].read_group(
            [],
            ["qty_sold:sum", "qty_on_hand:sum", "projected_unsold_value:sum"],
            ["lot_id"],
            lazy=False,
        ),
    )
    dashboard_ms, _none = _median_ms(env, lambda: dashboard_requests(env))
    assert len(ours) >= LOTS and len(core) >= LOTS, (len(ours), len(core))
    return {
        "name": f"lot analytics, {LOTS:,} lots / {lines:,} move lines",
        "core_ms": round(core_ms, 1),
        "ours_ms": round(ours_ms, 1),
        "ratio": round(ours_ms / core_ms, 2),
        "dashboard_ms": round(dashboard_ms, 1),
        "dashboard_ratio": round(dashboard_ms / core_ms, 2),
        "store_refresh_ms": round(refresh_ms, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", args.config])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            print(run(env))
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
