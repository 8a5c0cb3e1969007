"""Benchmark: a receiving scan's round trip, on receipts of 10, 100 and 500 lines.

What the receipt form does for one label (lot_tracking/static/src/stock/widgets/
lot_tracking_scan.js): one RPC to ``stock.picking.lot_tracking_scan``, then one ``web_read`` of
the changed ``stock.move`` with the specification of the form's move list. Both are timed
together, in-process, with a cold ORM cache before each scan (a new request), median of 5 scans
of new lots after one untimed scan; the caller rolls back.

    scripts/lt bench --only scan
"""

import datetime

from benchlib import median_ms, run_standalone
from lxml import etree

SIZES = (10, 100, 500)
RUNS = 5


def _move_list_spec(env):
    """The specification the web client reads a line of the receipt form's move list with."""
    views = env["stock.picking"].get_views([(False, "form")])
    arch = etree.fromstring(views["views"]["form"]["arch"])
    (field,) = arch.xpath("//field[@name='move_ids_without_package']")
    fields = views["models"]["stock.move"]["fields"]
    spec = {}
    for node in field.find("list").xpath("./field"):
        name = node.get("name")
        if fields[name]["type"] in ("many2one", "one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def _receipt(env, lines, tag):
    """A confirmed purchase receipt of ``lines`` lot-tracked products with GTINs."""
    products = env["product.product"].create(
        [
            {
                "name": f"Scan bench {tag}-{i}",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "barcode": _with_check_digit(f"29{tag:03d}{i:07d}"),
            }
            for i in range(lines)
        ]
    )
    partner = env["res.partner"].create({"name": f"Scan bench supplier {tag}"})
    order = env["purchase.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                (0, 0, {"product_id": p.id, "product_qty": 50, "price_unit": 1.0}) for p in products
            ],
        }
    )
    order.button_confirm()
    return order.picking_ids, products


def _with_check_digit(digits):
    """``digits`` (12) and their GS1 check digit: a valid GTIN-13."""
    total = sum(int(d) * (1 if i % 2 else 3) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def run(env):
    from odoo.addons.lot_tracking.tools import gs1  # noqa: PLC0415

    spec = _move_list_spec(env)
    expiry = datetime.date.today() + datetime.timedelta(days=200)
    results = {"name": "receiving scan round trip (scan RPC + one stock.move web_read)"}
    for size in SIZES:
        picking, products = _receipt(env, size, size)
        product = products[size // 2]
        counter = iter(range(10**6))
        queries = []

        def scan(picking=picking, product=product, counter=counter, queries=queries):
            label = gs1.build(
                {
                    "01": gs1.normalize_gtin(product.barcode),
                    "10": f"SCAN-{next(counter)}",
                    "17": expiry,
                }
            )
            env.flush_all()
            env.invalidate_all()
            before = env.cr.sql_log_count
            # as the RPC does: records browsed afresh (their prefetch set is the request's)
            result = env["stock.picking"].browse(picking.id).lot_tracking_scan(label)
            env["stock.move"].browse(result["move_id"]).web_read(spec)
            env.flush_all()
            queries.append(env.cr.sql_log_count - before)

        scan()  # warm the registry caches (views, selections) like a running server
        queries.clear()
        results[size] = (median_ms(scan, runs=RUNS), max(queries))
    return results


if __name__ == "__main__":
    run_standalone(run, __doc__)
