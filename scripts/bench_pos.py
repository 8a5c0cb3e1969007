"""Benchmark: the POS lot list (`get_existing_lots`) of lot_tracking against core's, and the
session loader of the till's lots against one SQL query returning the same rows.

`run(env)` is called by the benchmark runner with an environment of a database where
lot_tracking is installed. It builds a product with 2,000 lots in stock at a POS source
location, times core's method body and ours on that same data, then `stock.lot._load_pos_data`
and one hand-written query (median of 5 runs each, ORM cache cleared before every run), and
rolls everything back.
"""

from contextlib import closing
from datetime import timedelta

from benchlib import median_ms, run_standalone

LOTS = 2000


def run(env):
    from odoo import fields  # noqa: PLC0415

    from odoo.addons.point_of_sale.models.pos_order import (  # noqa: PLC0415
        PosOrderLine as CorePosOrderLine,
    )

    with closing(env.cr.savepoint()):
        config = env["pos.config"].create({"name": "Bench POS lots"})
        location = config.picking_type_id.default_location_src_id
        product = env["product.product"].create(
            {
                "name": "Bench yogurt",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "available_in_pos": True,
            }
        )
        now = fields.Datetime.now()
        lots = env["stock.lot"].create(
            [
                {
                    "name": f"BENCH-{i:05d}",
                    "product_id": product.id,
                    "expiration_date": now + timedelta(days=1 + i % 400),
                }
                for i in range(LOTS)
            ]
        )
        env["stock.quant"].create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "lot_id": lot.id,
                    "quantity": 5,
                }
                for lot in lots
            ]
        )
        env.flush_all()
        env.cr.execute("ANALYZE stock_quant, stock_lot")
        order_line = env["pos.order.line"].with_context(config_id=config.id)
        args = (env.company.id, product.id)

        def core():
            env.invalidate_all()
            return CorePosOrderLine.get_existing_lots(order_line, *args)

        def ours():
            env.invalidate_all()
            return order_line.get_existing_lots(*args)

        assert len(core()) == len(ours()) == LOTS
        core_ms, ours_ms = median_ms(core, runs=9), median_ms(ours, runs=9)

        data = {"pos.config": {"data": [{"id": config.id}]}}

        def loader():
            env.invalidate_all()
            return env["stock.lot"]._load_pos_data(data)["data"]

        def one_query():
            env.cr.execute(SQL_ROWS, {"locations": locations, "company": env.company.id})
            return env.cr.fetchall()

        locations = location.child_internal_location_ids.ids
        assert len(loader()) == len(one_query()) >= LOTS
        loader_ms, query_ms = median_ms(loader, runs=9), median_ms(one_query, runs=9)
    return {
        "name": f"POS get_existing_lots, {LOTS} lots",
        "core_ms": round(core_ms, 2),
        "ours_ms": round(ours_ms, 2),
        "ratio": round(ours_ms / core_ms, 2),
        "more": [
            f"POS session loader (stock.lot), {LOTS} lots: one SQL query {query_ms:.1f} ms, "
            f"lot_tracking {loader_ms:.1f} ms, ratio {loader_ms / query_ms:.2f}x"
        ],
    }


# The rows the till loads, in one query: the lots of POS lot-tracked products in stock at the
# location, their sale columns and the quantity there.
SQL_ROWS = """
    SELECT lot.id, lot.name, lot.product_id, lot.expiration_date, lot.removal_date,
           lot.supplier_lot_code, lot.markdown_percent, lot.quality_state,
           SUM(quant.quantity) AS product_qty
      FROM stock_quant quant
      JOIN stock_lot lot ON lot.id = quant.lot_id
      JOIN product_product product ON product.id = quant.product_id
      JOIN product_template template ON template.id = product.product_tmpl_id
     WHERE quant.location_id = ANY(%(locations)s)
       AND quant.quantity > 0
       AND template.tracking = 'lot' AND template.available_in_pos
       AND (quant.company_id IS NULL OR quant.company_id = %(company)s)
       AND (lot.company_id IS NULL OR lot.company_id = %(company)s)
     GROUP BY lot.id
"""


if __name__ == "__main__":
    run_standalone(run, __doc__)
