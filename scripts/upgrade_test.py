"""Upgrade test: the previous release, with data, upgraded in place to this working tree.

Called by `scripts/lt upgrade-test`. The previous release is the newest commit of the current
branch (first parents) whose manifest version is lower than the working tree's. It is installed
from git, with demo data, into `<test db>_upgrade`; rows that the new constraints forbid are
added (two lots sharing one supplier lot code, a pallet and a serial scanned twice, events on
lots about to become undeletable, a shared lot's events without company); then the database is
upgraded with `-u lot_tracking` and compared with what it held. A copy is then uninstalled and
core's receipt and delivery are run on it. Exits non-zero on any loss or failure.
"""

import argparse
import ast
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parent.parent
MANIFEST = "lot_tracking/__manifest__.py"
# Tables whose rows an upgrade must keep (lot_tracking's and the core ones it touches).
TABLES = (
    "stock_lot",
    "lot_tracking_event",
    "lot_tracking_recall",
    "lot_tracking_recall_line",
    "lot_tracking_suggestion",
    "lot_tracking_expiry_kpi",
    "stock_quant",
    "stock_move",
    "stock_move_line",
    "stock_picking",
    "stock_valuation_layer",
    "account_move",
    "account_move_line",
    "pos_order",
    "pos_order_line",
    "pos_pack_operation_lot",
    "product_product",
    "mail_activity",
)
SSCC = "106141411234567897"

SEED = """
company = env.company
Lot = env["stock.lot"]
supplier = env["res.partner"].create({"name": "Upgrade Test Dairy"})
product = env["product.product"].create(
    {"name": "Upgrade Test Yogurt", "is_storable": True, "tracking": "lot",
     "use_expiration_date": True, "expiration_time": 30, "standard_price": 2.0}
)
# Two lots sharing one supplier lot code: the old release allowed it.
dup = Lot.create([
    {"name": f"UPG-DUP-{i}", "product_id": product.id, "company_id": company.id,
     "supplier_id": supplier.id, "supplier_lot_code": "UPG-SHARED"}
    for i in (1, 2)
])
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
supplier_location = env.ref("stock.stock_location_suppliers")
receipt = env["stock.picking"].create({
    "picking_type_id": warehouse.in_type_id.id,
    "partner_id": supplier.id,
    "location_id": supplier_location.id,
    "location_dest_id": warehouse.lot_stock_id.id,
    "move_ids": [(0, 0, {
        "name": product.name, "product_id": product.id, "product_uom_qty": 5,
        "location_id": supplier_location.id, "location_dest_id": warehouse.lot_stock_id.id,
    })],
})
receipt.action_confirm()
receipt.move_ids.move_line_ids.write({"lot_id": dup[1].id, "quantity": 5})
receipt.move_ids.picked = True
receipt.button_validate()
assert receipt.state == "done", receipt.state
dup._lot_tracking_log("alert", note="upgrade test: events on lots about to become undeletable")
dup[1]._lot_tracking_set_quality_state("blocked", note="upgrade test")
recall = env["lot.tracking.recall"].create({"reason": "upgrade test", "lot_ids": [(6, 0, dup.ids)]})
recall.action_activate()
assert recall.line_ids and dup.mapped("quality_state") == ["recalled", "recalled"]
# A lot shared between companies: its events had no company.
shared = Lot.create({"name": "UPG-SHARED-LOT", "product_id": product.id, "company_id": False})
shared._lot_tracking_log("received", picking_id=receipt.id)
shared._lot_tracking_log("alert")
# A pallet and a serial scanned twice (the old search-then-insert let a race through).
for lot in dup:
    lot._lot_tracking_log("scanned", sscc="%(sscc)s", picking_id=receipt.id)
for lot in (dup[0], shared):
    lot._lot_tracking_log("scanned", gs1_serial="UPG-SN-1")
env.cr.commit()
print("UPGRADE-TEST SEEDED")
"""

UNINSTALL = """
env["ir.module.module"].search([("name", "=", "lot_tracking")]).button_immediate_uninstall()
print("UPGRADE-TEST UNINSTALLED")
"""

# After uninstalling: core receives a lot-tracked product with a typed lot and delivers from a
# lot the module had created.
CORE_FLOWS = """
import json
product = env["product.product"].search([("name", "=", "Upgrade Test Yogurt")])
warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
suppliers = env.ref("stock.stock_location_suppliers")
customers = env.ref("stock.stock_location_customers")

def transfer(picking_type, source, destination, lot_vals):
    picking = env["stock.picking"].create({
        "picking_type_id": picking_type.id, "location_id": source.id,
        "location_dest_id": destination.id,
        "move_ids": [(0, 0, {
            "name": product.name, "product_id": product.id, "product_uom_qty": 1,
            "location_id": source.id, "location_dest_id": destination.id,
        })],
    })
    picking.action_confirm()
    picking.action_assign()
    picking.move_ids.move_line_ids.unlink()
    env["stock.move.line"].create(
        {**picking.move_ids._prepare_move_line_vals(quantity=1), **lot_vals}
    )
    picking.move_ids.picked = True
    picking.button_validate()
    return picking.state

lot = env["stock.lot"].search([("name", "=", "UPG-DUP-2")])
result = {
    "receipt": transfer(warehouse.in_type_id, suppliers, warehouse.lot_stock_id,
                        {"lot_name": "UPG-CORE-1"}),
    "delivery": transfer(warehouse.out_type_id, warehouse.lot_stock_id, customers,
                         {"lot_id": lot.id}),
    "lot_valuated": product.lot_valuated,
}
env.cr.commit()
print("UPGRADE-TEST CORE " + json.dumps(result))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument(
        "--db", default=os.environ.get("LOT_TRACKING_TEST_DB", "lot_tracking_test") + "_upgrade"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--from", dest="start", help="look for the previous release from this commit back"
    )
    args = parser.parse_args()
    if not args.db.endswith("_upgrade"):
        # it is dropped and recreated (with a sibling "_uninstall"): never a user's database
        parser.error(f"--db must end with _upgrade (it is dropped first), got {args.db!r}")
    return args


def log(message):
    print(f"[upgrade-test] {message}", file=sys.stderr, flush=True)


def version_tuple(text):
    return tuple(int(part) for part in text.split("."))


def manifest_version(source):
    return ast.literal_eval(source)["version"]


def git(*args, check=True):
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=check, capture_output=True, text=True
    )


def previous_release(start):
    """(current version, commit, version) of the newest first-parent ancestor of ``start``
    whose manifest version is lower than the working tree's.

    ``start`` defaults to where this branch meets ``main``: commits of a work branch not yet
    merged are no release, even when they do not change the version.
    """
    current = manifest_version((REPO / MANIFEST).read_text())
    if not start:
        on_main = git("merge-base", "HEAD", "main", check=False)
        start = on_main.stdout.strip() if on_main.returncode == 0 else "HEAD"
    for commit in git("rev-list", "--first-parent", start).stdout.split():
        shown = git("show", f"{commit}:{MANIFEST}", check=False)
        if shown.returncode:
            continue
        version = manifest_version(shown.stdout)
        if version_tuple(version) < version_tuple(current):
            return current, commit, version
    sys.exit(f"no commit with a manifest version lower than {current}: nothing to upgrade from")


class Odoo:
    def __init__(self, args):
        self.args = args
        config = configparser.ConfigParser()
        config.read(args.config)
        paths = config["options"]["addons_path"].split(",")
        self.core_paths = [p for p in paths if Path(p).resolve() != REPO]
        self.data_dir = Path(config["options"]["data_dir"])

    def run(self, db, *odoo_args, addons=REPO, stdin=None, shell=False, tolerate=None):
        """Run odoo-bin; any error in its log fails the test, except lines containing
        ``tolerate`` (reported)."""
        command = [
            sys.executable,
            str(Path(self.args.odoo_src) / "setup" / "odoo"),
            *(["shell"] if shell else []),
            "-c",
            self.args.config,
            "--addons-path",
            ",".join([*self.core_paths, str(addons)]),
            "-d",
            db,
            "--no-http",
            "--log-level=warn",
            *odoo_args,
        ]
        done = subprocess.run(command, input=stdin, capture_output=True, text=True)
        errors = []
        for line in done.stderr.splitlines():
            if not (
                " ERROR " in line
                or " CRITICAL " in line
                or "unable to" in line.lower()
                or "Traceback" in line
            ):
                continue
            if tolerate and tolerate in line:
                log(f"odoo, tolerated: {line.split(tolerate, 1)[1][:150]}")
            else:
                errors.append(line)
        if done.returncode or errors:
            print(done.stdout[-4000:], done.stderr[-8000:], sep="\n", file=sys.stderr)
            sys.exit(f"odoo {' '.join(odoo_args)} on {db} failed (exit {done.returncode})")
        for line in done.stderr.splitlines():
            if " WARNING " in line:
                log(f"odoo warning: {line.split(' WARNING ', 1)[1][:200]}")
        return done.stdout

    def drop(self, db):
        with connect("postgres") as cnx:
            cnx.cursor().execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(self.data_dir / "filestore" / db, ignore_errors=True)

    def copy(self, source, target):
        self.drop(target)
        with connect("postgres") as cnx:
            cnx.cursor().execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        if (self.data_dir / "filestore" / source).exists():
            shutil.copytree(
                self.data_dir / "filestore" / source, self.data_dir / "filestore" / target
            )


@contextmanager
def connect(db):
    """An autocommit connection to ``db``, closed afterwards."""
    cnx = psycopg2.connect(dbname=db)
    cnx.autocommit = True
    try:
        yield cnx
    finally:
        cnx.close()


def query(db, sql, params=None):
    with connect(db) as cnx:
        cursor = cnx.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()


def snapshot(db):
    """Everything the upgrade must keep, as plain data."""
    counts = {}
    for table in TABLES:
        if query(db, "SELECT to_regclass(%s)", [table])[0][0]:
            counts[table] = query(db, f'SELECT COUNT(*) FROM "{table}"')[0][0]
    return {
        "version": query(
            db, "SELECT latest_version, state FROM ir_module_module WHERE name = 'lot_tracking'"
        )[0],
        "counts": counts,
        "lots": {
            row[0]: row[1:]
            for row in query(
                db,
                """SELECT id, name, product_id, company_id, supplier_id, quality_state,
                          markdown_percent, expiration_date::text, receipt_picking_id
                     FROM stock_lot""",
            )
        },
        "lot_codes": dict(query(db, "SELECT id, supplier_lot_code FROM stock_lot")),
        "quants": query(
            db,
            """SELECT lot_id, location_id, SUM(quantity)::float FROM stock_quant
                GROUP BY 1, 2 ORDER BY 1, 2""",
        ),
        "valuation": query(
            db,
            """SELECT lot_id, SUM(quantity)::float, SUM(value)::float FROM stock_valuation_layer
                GROUP BY 1 ORDER BY 1""",
        ),
        "events": {
            row[0]: row[1:]
            for row in query(
                db,
                """SELECT id, lot_id, product_id, company_id, event_type, date::text,
                          quantity, picking_id, pos_order_id, user_id, sscc, gs1_serial
                     FROM lot_tracking_event""",
            )
        },
    }


def compare(before, after, db):
    """The list of what the upgrade lost or got wrong (empty: nothing)."""
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    check(after["version"][1] == "installed", f"module {after['version']}")
    for table, count in before["counts"].items():
        now = after["counts"].get(table)
        check(now is not None and now >= count, f"{table}: {count} rows before, {now} after")
    for lot, old in before["lots"].items():
        new = after["lots"].get(lot)
        check(new == old, f"lot {lot} changed: {old} → {new}")
    check(after["quants"] == before["quants"], "stock per lot and location changed")
    check(after["valuation"] == before["valuation"], "valuation per lot changed")
    corrected = {
        event_id: row
        for event_id, row in after["events"].items()
        if event_id not in before["events"]
    }
    check(
        all(row[3] == "corrected" for row in corrected.values()),
        f"unexpected new events: {corrected}",
    )
    corrected_lots = {row[0] for row in corrected.values()}
    for event_id, old in before["events"].items():
        new = after["events"].get(event_id)
        if new is None:
            problems.append(f"event {event_id} lost")
            continue
        lot, product, company, *rest_old = old
        n_lot, n_product, n_company, *rest_new = new
        check((n_lot, n_product) == (lot, product), f"event {event_id} changed lot or product")
        check(n_company and (company is None or n_company == company), f"event {event_id} company")
        # sscc / serial are cleared only on repeated scans, whose lot gets a corrected event
        if rest_new[:-2] != rest_old[:-2]:
            problems.append(f"event {event_id} changed: {old} → {new}")
        if rest_new[-2:] != rest_old[-2:]:
            check(lot in corrected_lots, f"event {event_id} identifiers changed without an event")
    renamed = {
        lot: code for lot, code in after["lot_codes"].items() if code != before["lot_codes"][lot]
    }
    check(set(renamed) <= corrected_lots, "a lot's supplier lot code changed without an event")
    for lot, code in renamed.items():
        old_code = before["lot_codes"][lot]
        check(code.startswith(old_code), f"lot {lot}: code {old_code} became {code}")
    check(
        not query(
            db,
            """SELECT 1 FROM stock_lot WHERE supplier_lot_code IS NOT NULL
                GROUP BY product_id, COALESCE(supplier_id, 0), supplier_lot_code,
                         COALESCE(company_id, 0) HAVING COUNT(*) > 1""",
        ),
        "lots still share a supplier lot code",
    )
    indexes = {
        row[0]
        for row in query(
            db,
            """SELECT indexname FROM pg_indexes WHERE indexname IN (
                'stock_lot_supplier_lot_code_uniq', 'lot_tracking_event_sscc_uniq',
                'lot_tracking_event_gs1_serial_uniq')""",
        )
    }
    check(len(indexes) == 3, f"unique indexes missing: only {sorted(indexes)}")
    check(
        query(
            db,
            """SELECT confdeltype FROM pg_constraint
                WHERE conname = 'lot_tracking_event_lot_id_fkey'""",
        )
        == [("r",)],
        "events' lot is not ON DELETE RESTRICT",
    )
    # The seeded rows, repaired as the migration says.
    codes = dict(query(db, "SELECT name, supplier_lot_code FROM stock_lot WHERE name LIKE 'UPG-%'"))
    check(
        codes.get("UPG-DUP-1") == "UPG-SHARED"
        and codes.get("UPG-DUP-2") == "UPG-SHARED (UPG-DUP-2)",
        f"duplicate supplier lot codes: {codes}",
    )
    scans = query(
        db,
        """SELECT COUNT(*) FILTER (WHERE sscc = %s), COUNT(*) FILTER (WHERE gs1_serial = 'UPG-SN-1')
             FROM lot_tracking_event WHERE event_type = 'scanned'""",
        [SSCC],
    )[0]
    check(scans == (1, 1), f"scans of the seeded pallet and serial: {scans}")
    return problems, len(corrected)


def main():
    args = parse_args()
    current, commit, previous = previous_release(args.start)
    odoo = Odoo(args)
    uninstall_db = args.db.removesuffix("_upgrade") + "_uninstall"
    log(f"previous release: {previous} at {commit[:10]}; working tree: {current}")
    with tempfile.TemporaryDirectory(prefix="lt-previous-") as old_addons:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", commit, "lot_tracking"],
            check=True,
            capture_output=True,
        ).stdout  # bytes: not through git(), which decodes
        subprocess.run(["tar", "-x", "-C", old_addons], input=archive, check=True)
        odoo.drop(args.db)
        log(f"installing lot_tracking {previous} with demo data into {args.db} …")
        odoo.run(args.db, "-i", "lot_tracking", "--stop-after-init", addons=old_addons)
        log("adding rows the new constraints forbid …")
        out = odoo.run(args.db, addons=old_addons, stdin=SEED % {"sscc": SSCC}, shell=True)
        if "UPGRADE-TEST SEEDED" not in out:
            sys.exit(f"seeding failed:\n{out}")
    before = snapshot(args.db)
    log(f"before: version {before['version']}, rows {before['counts']}")
    log(f"upgrading {args.db} to the working tree ({current}) …")
    odoo.run(args.db, "-u", "lot_tracking", "--stop-after-init")
    after = snapshot(args.db)
    log(f"after:  version {after['version']}, rows {after['counts']}")
    problems, added = compare(before, after, args.db)
    if after["version"][0] != current:
        problems.append(f"module version {after['version'][0]}, expected {current}")
    log(f"{added} corrected event(s) written by the migration")
    for note in query(
        args.db, "SELECT note FROM lot_tracking_event WHERE event_type = 'corrected' ORDER BY id"
    ):
        log(f"  corrected: {note[0]}")

    log(f"uninstalling lot_tracking from a copy, {uninstall_db} …")
    odoo.copy(args.db, uninstall_db)
    # Odoo keeps the module's data records that other rows still use (demo products with stock
    # moves), after trying to delete them: those failed DELETEs are expected.
    out = odoo.run(
        uninstall_db, stdin=UNINSTALL, shell=True, tolerate="odoo.sql_db: bad query: b'DELETE FROM"
    )
    if "UPGRADE-TEST UNINSTALLED" not in out:
        problems.append("uninstall did not finish")
    state = query(uninstall_db, "SELECT state FROM ir_module_module WHERE name = 'lot_tracking'")
    if state != [("uninstalled",)]:
        problems.append(f"lot_tracking still {state} after uninstall")
    # the analysis triggers on core's tables go with the module, their functions too
    left_triggers = query(
        uninstall_db,
        r"""SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger
             WHERE NOT tgisinternal AND tgname LIKE 'lot\_tracking\_%'
            UNION ALL
            SELECT proname || '()' FROM pg_proc WHERE proname LIKE 'lot\_tracking\_%'""",
    )
    if left_triggers:
        problems.append(f"left after uninstall: {', '.join(row[0] for row in left_triggers)}")
    left = snapshot_after_uninstall(uninstall_db)
    if left["lots"] != len(after["lots"]) or left["quants"] != after["quants"]:
        problems.append("uninstalling lost lots or stock")
    kept = left["UPG-DUP-2"]
    if kept[0] != "UPG-SHARED (UPG-DUP-2)" or "this lot was <b>recalled</b>" not in (kept[1] or ""):
        problems.append(f"a recalled lot's code and state are not kept on it: {kept}")
    out = odoo.run(uninstall_db, stdin=CORE_FLOWS, shell=True)
    core = (
        json.loads(out.split("UPGRADE-TEST CORE ", 1)[1].splitlines()[0]) if "CORE" in out else {}
    )
    log(f"after uninstall: {left['lots']} lots kept, lot UPG-DUP-2 {left['UPG-DUP-2']}")
    log(f"after uninstall: core receipt and delivery {core}")
    if core != {"receipt": "done", "delivery": "done", "lot_valuated": True}:
        problems.append(f"core receipt/delivery after uninstall: {core}")

    if problems:
        log("FAILED:")
        for problem in problems:
            log(f"  - {problem}")
        log(f"databases kept for inspection: {args.db}, {uninstall_db}")
        sys.exit(1)
    if not args.keep:
        odoo.drop(args.db)
        odoo.drop(uninstall_db)
    log(
        f"OK: {previous} → {current} kept every row "
        f"({', '.join(f'{t} {n}' for t, n in after['counts'].items())}); uninstall leaves core "
        "working"
    )


def snapshot_after_uninstall(db):
    return {
        "UPG-DUP-2": query(db, "SELECT ref, note FROM stock_lot WHERE name = 'UPG-DUP-2'")[0],
        "lots": query(db, "SELECT COUNT(*) FROM stock_lot")[0][0],
        "quants": query(
            db,
            """SELECT lot_id, location_id, SUM(quantity)::float FROM stock_quant
                GROUP BY 1, 2 ORDER BY 1, 2""",
        ),
    }


if __name__ == "__main__":
    main()
