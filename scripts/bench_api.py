"""Benchmark of the integration API over real HTTP, one run:

- ``GET /epcis/events``: the first page and a page deep in a feed of 1,000,000 events
  (keyset pages: the same cost at any depth);
- ``POST /epcis/capture`` of a 500-event shipping notice;
- requests per second of the lot lookup (``/lot_tracking/api/v1/lots/lookup``) with
  ``--workers 4`` against one worker;
- with ``--replica`` (after ``scripts/lt replica start``): the same reads served by the
  streaming replica (``--db_replica_host/--db_replica_port``) while the capture writes on the
  primary, shown by each server's transaction counters.

The database (default ``lt_bench_api``) is created once with lot_tracking and kept; its
million events are inserted once (committed: a server reads them). Odoo servers are started on
``--port`` and stopped by the script.

    scripts/lt bench-api [--events 1000000] [--replica]
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

import requests

PER_PAGE = 100
EVENT_TYPES = ("received", "shipped", "sold", "quarantined", "released", "recalled", "counted")
GTIN = "09506000134352"
COMPANY_GLN = "5412345000013"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("-d", "--database", default="lt_bench_api")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("LOT_TRACKING_HTTP_PORT", 8069))
    )
    parser.add_argument("--seconds", type=float, default=15, help="length of each load run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--replica", action="store_true", help="also measure with the replica")
    parser.add_argument("--replica-only", action="store_true", help="only the replica run")
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--replica-host", default="/var/run/postgresql")
    return parser.parse_args()


# ----------------------------------------------------------------------------------------
# Data (in-process ORM, committed)
# ----------------------------------------------------------------------------------------
def ensure_database(odoo, name):
    import odoo.service.db as db_service  # noqa: PLC0415

    if name in db_service.list_dbs(force=True):
        odoo.tools.config["update"] = {"lot_tracking": 1}
        odoo.modules.registry.Registry.new(name, update_module=True)
        odoo.tools.config["update"] = {}
        return
    print(f"installing lot_tracking into {name} …", file=sys.stderr, flush=True)
    db_service._create_empty_database(name)
    odoo.tools.config["init"] = {"lot_tracking": 1}
    odoo.tools.config["without_demo"] = "all"
    odoo.modules.registry.Registry.new(name, update_module=True)
    odoo.tools.config["init"] = {}
    with odoo.modules.registry.Registry(name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)


def prepare(odoo, name, event_count):
    """The bench user and its key, a lot-tracked product with lots, ``event_count`` events
    (inserted once), a purchase to capture shipping notices for. Returns what the HTTP side
    needs."""
    registry = odoo.modules.registry.Registry(name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        company = env.company
        company.gln = COMPANY_GLN
        Product = env["product.product"].with_context(active_test=False)
        product = Product.search([("barcode", "=", GTIN)], limit=1) or Product.create(
            {
                "name": "Bench API yogurt",
                "barcode": GTIN,
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
            }
        )
        user = env["res.users"].search([("login", "=", "lt_bench_api")]) or env["res.users"].create(
            {
                "name": "Bench API",
                "login": "lt_bench_api",
                "groups_id": [(4, env.ref("stock.group_stock_user").id)],
            }
        )
        key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "bench", None)
        lots = env["stock.lot"].search([("product_id", "=", product.id)], order="id", limit=1000)
        if len(lots) < 1000:
            lots |= env["stock.lot"].create(
                [
                    {
                        "name": f"BENCH-API-{i}",
                        "product_id": product.id,
                        "company_id": company.id,
                        "supplier_lot_code": f"L{i}",
                    }
                    for i in range(len(lots), 1000)
                ]
            )
        env.flush_all()
        cr.execute("SELECT count(*) FROM lot_tracking_event WHERE product_id = %s", (product.id,))
        missing = event_count - cr.fetchone()[0]
        if missing > 0:
            print(f"inserting {missing:,} events …", file=sys.stderr, flush=True)
            # transaction ids spread below the current one (all long committed): the feed's
            # order; a few dozen events per transaction
            cr.execute("SELECT pg_current_xact_id()::text::bigint")
            horizon = cr.fetchone()[0] - 100
            cr.execute(
                """
                INSERT INTO lot_tracking_event (lot_id, product_id, company_id, event_type, date,
                    user_id, quantity, create_uid, write_uid, create_date, write_date,
                    lot_tracking_txid)
                SELECT (%(lots)s)[1 + i %% 1000], %(product)s, %(company)s,
                       (%(types)s)[1 + i %% 7],
                       now() AT TIME ZONE 'UTC' - (%(count)s - i) * interval '1 second',
                       1, 1 + i %% 3, 1, 1, now(), now(), 1 + i * %(horizon)s / %(count)s
                  FROM generate_series(1, %(count)s) AS i
                """,
                {
                    "lots": lots.ids,
                    "product": product.id,
                    "company": company.id,
                    "types": list(EVENT_TYPES),
                    "count": missing,
                    "horizon": horizon,
                },
            )
            cr.execute("ANALYZE lot_tracking_event")
        partner = env["res.partner"].search([("name", "=", "Bench API supplier")], limit=1)
        partner = partner or env["res.partner"].create({"name": "Bench API supplier"})
        order = env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_qty": 100000, "price_unit": 1})
                ],
            }
        )
        order.button_confirm()
        cr.execute(
            "SELECT lot_tracking_txid, id FROM lot_tracking_event WHERE product_id = %s "
            "ORDER BY lot_tracking_txid, id OFFSET %s LIMIT 1",
            (product.id, int(event_count * 0.9)),
        )
        deep = cr.fetchone()
        cr.commit()
        return {"key": key, "order": order.name, "deep": list(deep)}


# ----------------------------------------------------------------------------------------
# Servers and HTTP
# ----------------------------------------------------------------------------------------
class Server:
    def __init__(self, args, workers, replica=False):
        command = [
            sys.executable,
            "-c",
            # the bench needs no longpolling process (the bus): prefork servers start none
            "import sys; sys.path.insert(0, sys.argv.pop(1)); "
            "import odoo.service.server as server; "
            "server.PreforkServer.long_polling_spawn = lambda self: None; "
            "import odoo.cli; odoo.cli.main()",
            args.odoo_src,
            "server",
            "-c",
            args.config,
            "-d",
            args.database,
            f"--db-filter=^{args.database}$",
            f"--http-port={args.port}",
            f"--workers={workers}",
            "--max-cron-threads=0",
            "--log-level=warn",
        ]
        if replica:
            command += [
                f"--db_replica_host={args.replica_host}",
                f"--db_replica_port={args.replica_port}",
            ]
        self.url = f"http://127.0.0.1:{args.port}"
        self.process = subprocess.Popen(command, start_new_session=True)

    def __enter__(self):
        for _i in range(120):
            try:
                if requests.get(f"{self.url}/web/health", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError("the Odoo server did not start")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)


def median_ms(session, url, runs=20, **kwargs):
    timings = []
    for _i in range(runs):
        start = time.perf_counter()
        response = session.get(url, timeout=60, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return statistics.median(timings)


def epcis_pages(server, data, tools):
    """First page and a page 90% deep, ``PER_PAGE`` events each (median ms of 20)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {data['key']}"
    first = f"{server.url}/epcis/events?perPage={PER_PAGE}"
    token = tools.encode_token(data["deep"], {})
    deep = f"{first}&nextPageToken={token}"
    response = session.get(deep, timeout=60)
    response.raise_for_status()
    assert len(response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) > 0
    median_ms(session, first, runs=3)  # warm up
    return median_ms(session, first), median_ms(session, deep)


def capture_document(order, events=500):
    run = uuid.uuid4().hex[:6]
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T08:05:00.000Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": "2026-11-20T08:00:00.000Z",
                    "eventTimeZoneOffset": "+01:00",
                    "eventID": f"urn:uuid:{uuid.uuid4()}",
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "quantityList": [
                        {
                            "epcClass": f"https://id.gs1.org/01/{GTIN}/10/C{run}-{i}",
                            "quantity": 2,
                        }
                    ],
                    "bizTransactionList": [
                        {
                            "type": "po",
                            "bizTransaction": f"urn:epcglobal:cbv:bt:{COMPANY_GLN}:{order}",
                        }
                    ],
                }
                for i in range(events)
            ]
        },
    }


def capture(server, data):
    body = json.dumps(capture_document(data["order"])).encode()
    start = time.perf_counter()
    response = requests.post(
        f"{server.url}/epcis/capture",
        data=body,
        headers={"Authorization": f"Bearer {data['key']}", "Content-Type": "application/json"},
        timeout=600,
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 202, response.text[:500]
    return elapsed, len(body)


def load(server, data, seconds, concurrency):
    """Requests per second of the lot lookup from ``concurrency`` clients."""
    url = f"{server.url}/lot_tracking/api/v1/lots/lookup"
    codes = [f"(01){GTIN}(10)L{i}" for i in range(1000)]
    stop = time.monotonic() + seconds
    counts, latencies, errors = [], [], []

    def client(number):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {data['key']}"
        done = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            response = session.get(
                url, params={"code": codes[(number * 97 + done) % 1000]}, timeout=60
            )
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                errors.append(response.status_code)
            done += 1
        counts.append(done)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    assert not errors, f"errors: {errors[:5]}"
    return sum(counts) / elapsed, statistics.median(latencies)


def db_counters(database, port=None, host=None):
    """(committed transactions, rows returned) of ``database`` on one server."""
    import psycopg2  # noqa: PLC0415

    params = {"dbname": database}
    if port:
        params.update(port=port, host=host)
    connection = psycopg2.connect(**params)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT pg_stat_clear_snapshot()")
            cr.execute(
                "SELECT xact_commit, tup_returned FROM pg_stat_database WHERE datname = %s",
                (database,),
            )
            return cr.fetchone()
    finally:
        connection.close()


def replica_run(args, data, tools):
    """Reads on the replica, writes on the primary: each server's counters around a run of
    GET requests, then around one capture."""
    with Server(args, workers=2, replica=True) as server:
        epcis_pages(server, data, tools)  # warm up: registries, caches
        time.sleep(1)
        before = (
            db_counters(args.database),
            db_counters(args.database, args.replica_port, args.replica_host),
        )
        first_ms, deep_ms = epcis_pages(server, data, tools)
        rps, __ = load(server, data, 5, 4)
        time.sleep(1)
        after = (
            db_counters(args.database),
            db_counters(args.database, args.replica_port, args.replica_host),
        )
        reads = [after[i][0] - before[i][0] for i in (0, 1)]
        rows = [after[i][1] - before[i][1] for i in (0, 1)]
        capture_s, __ = capture(server, data)
        time.sleep(1)
        final = (
            db_counters(args.database),
            db_counters(args.database, args.replica_port, args.replica_host),
        )
        writes = [final[i][0] - after[i][0] for i in (0, 1)]
    print(
        f"replica: EPCIS first page {first_ms:.1f} ms, deep {deep_ms:.1f} ms, lookup {rps:.0f} req/s;"
        f" during the reads: primary {reads[0]} transactions / {rows[0]:,} rows read, replica"
        f" {reads[1]} transactions / {rows[1]:,} rows read;"
        f" during the capture ({capture_s:.2f}s): {writes[0]} on the primary, {writes[1]} on the"
        " replica"
    )


def main():
    args = parse_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    ensure_database(odoo, args.database)
    data = prepare(odoo, args.database, args.events)
    odoo.sql_db.close_all()
    from odoo.addons.lot_tracking.tools import epcis as tools  # noqa: PLC0415

    if args.replica_only:
        replica_run(args, data, tools)
        return 0
    with Server(args, workers=0) as server:
        first_ms, deep_ms = epcis_pages(server, data, tools)
        print(
            f"GET /epcis/events over {args.events:,} events, {PER_PAGE} per page: first page "
            f"{first_ms:.1f} ms, page at 90% depth {deep_ms:.1f} ms (median of 20)"
        )
        capture_s, size = capture(server, data)
        print(
            f"POST /epcis/capture of 500 shipping events ({size / 1024:.0f} KiB): {capture_s:.2f} s"
        )
    for workers in (1, 4):
        with Server(args, workers=workers) as server:
            load(server, data, 3, args.concurrency)  # warm up every worker
            rps, p50 = load(server, data, args.seconds, args.concurrency)
            print(
                f"lot lookup, --workers {workers}, {args.concurrency} clients: {rps:.0f} req/s, "
                f"median {p50:.1f} ms"
            )
    if args.replica:
        replica_run(args, data, tools)
    return 0


if __name__ == "__main__":
    sys.exit(main())
