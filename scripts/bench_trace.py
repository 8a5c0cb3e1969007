"""Benchmark: the lot trace data vs core's traceability report, for one lot with 2,000 moves.

``run(env)`` builds its own data (the caller rolls back) and returns medians of 5 runs, each
with a cold ORM cache. Core is timed the way its client action calls it
(``stock.traceability.report.get_main_lines`` with the lot in the context).

    scripts/lt bench --only trace
"""

import statistics
import time

from benchlib import run_standalone

MOVES = 2000
RUNS = 5


def _make_lot(env, moves=MOVES):
    """One lot received once, then moved back and forth between two internal locations."""
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    stock = warehouse.lot_stock_id
    shelf = env["stock.location"].create(
        {"name": "Bench Shelf", "usage": "internal", "location_id": stock.id}
    )
    supplier = env.ref("stock.stock_location_suppliers")
    product = env["product.product"].create(
        {"name": "Bench Trace", "is_storable": True, "tracking": "lot"}
    )
    lot = env["stock.lot"].create(
        {"name": "BENCH-TRACE", "product_id": product.id, "company_id": company.id}
    )
    half = moves // 2
    legs = [(supplier, stock, half)] + [(stock, shelf, 1)] * half + [(shelf, stock, 1)] * half
    for batch in ([legs[0]], legs[1 : half + 1], legs[half + 1 :]):
        done = env["stock.move"].create(
            [
                {
                    "name": product.name,
                    "product_id": product.id,
                    "product_uom": product.uom_id.id,
                    "product_uom_qty": qty,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": company.id,
                    "picked": True,
                    "move_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_uom_id": product.uom_id.id,
                                "lot_id": lot.id,
                                "quantity": qty,
                                "location_id": source.id,
                                "location_dest_id": dest.id,
                                "company_id": company.id,
                            },
                        )
                    ],
                }
                for source, dest, qty in batch
            ]
        )
        done._action_done()
    env.flush_all()
    return lot


def _median_ms(env, func):
    timings = []
    for _i in range(RUNS):
        env.flush_all()
        env.invalidate_all()
        start = time.perf_counter()
        result = func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


def run(env):
    lot = _make_lot(env)
    context = {"lot_name": lot.name, "model": "stock.lot", "active_id": lot.id}
    Report = env["stock.traceability.report"].with_context(context)
    core_ms, core_lines = _median_ms(env, lambda: Report.get_main_lines(context))
    ours_ms, data = _median_ms(
        env, lambda: env["stock.lot"].browse(lot.id)._lot_tracking_trace_data()
    )
    env.invalidate_all()
    queries = env.cr.sql_log_count
    env["stock.lot"].browse(lot.id)._lot_tracking_trace_data()
    queries = env.cr.sql_log_count - queries
    html_ms, _html = _median_ms(
        env,
        lambda: env["ir.actions.report"]._render_qweb_html(
            "lot_tracking.action_report_lot_trace", lot.ids
        ),
    )
    assert len(core_lines) == len(data["movements"]) == MOVES + 1, (
        len(core_lines),
        len(data["movements"]),
    )
    return {
        "name": f"lot trace, 1 lot with {MOVES + 1} move lines",
        "core_ms": round(core_ms, 1),
        "ours_ms": round(ours_ms, 1),
        "ratio": round(ours_ms / core_ms, 2),
        "ours_queries": queries,
        "ours_pdf_html_ms": round(html_ms, 1),
    }


if __name__ == "__main__":
    run_standalone(run, __doc__)
