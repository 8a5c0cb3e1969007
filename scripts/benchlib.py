"""Timing and command-line helpers shared by the benchmark scripts."""

import argparse
import statistics
import sys
import time


def median_ms(func, runs=5):
    """Median wall time of ``runs`` calls of ``func``, in milliseconds."""
    timings = []
    for _i in range(runs):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def run_standalone(run, description):
    """Run one benchmark module's ``run(env)`` on a database given on the command line, in a
    transaction rolled back, and print its result."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    with odoo.modules.registry.Registry(args.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            print(run(env))
        finally:
            cr.rollback()
