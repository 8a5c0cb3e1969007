"""Compatibility: Odoo's own test suites, without and with lot_tracking.

Called by `scripts/lt compat`. Core's server-side tests of the modules lot_tracking extends run
with pytest-odoo in two fresh databases with demo data: one with lot_tracking's `depends` only
(the baseline) and one with lot_tracking. A test that passes in the baseline and fails or errors
with the module is a new failure; the run fails on any that `compat/deliberate-differences.txt`
does not list (one line each: `<test id> — <reason>`).

The baseline does not depend on this repository: its results are cached per suite in
$LOT_TRACKING_HOME/compat, keyed by the Odoo tree (odoo/release.py and the suite's test files), the
module list and the arguments; COMPAT_REFRESH=1 recomputes them. The two runs go in parallel; the
one with lot_tracking always runs, in a fresh database.

This file is also the pytest plugin of both runs (`-p compat`): it leaves out HTTP tests (browser
tours) unless `--tours`, and writes each test's outcome to a JSON file.
"""

import argparse
import ast
import configparser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

SUITES = ("stock", "stock_account", "purchase_stock", "product_expiry", "point_of_sale")
REPO = Path(__file__).resolve().parent.parent
DELIBERATE = REPO / "compat" / "deliberate-differences.txt"
SEPARATOR = " — "
FAILED = ("failed", "error")


# --- pytest plugin (loaded in the test processes) ---------------------------------------------
def pytest_addoption(parser):
    parser.addoption("--compat-report", help="write each test's outcome to this JSON file")
    parser.addoption("--compat-tours", action="store_true", help="keep HttpCase tests (tours)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--compat-tours"):
        return
    from odoo.tests import HttpCase  # noqa: PLC0415

    http = [item for item in items if item.cls and issubclass(item.cls, HttpCase)]
    if http:
        config.hook.pytest_deselected(items=http)
        items[:] = [item for item in items if item not in http]


_OUTCOMES = {}  # test id -> {"outcome", "duration", "message"}


def _record(nodeid, outcome, duration, text=""):
    """One test's outcome over its phases: the first failure wins, passing phases add time."""
    result = _OUTCOMES.setdefault(nodeid, {"outcome": "passed", "duration": 0.0, "message": ""})
    result["duration"] += duration
    if outcome != "passed" and result["outcome"] not in FAILED:
        result.update(outcome=outcome, message=text[-4000:])


def pytest_runtest_logreport(report):
    if report.failed:
        outcome = "failed" if report.when == "call" else "error"
    else:
        outcome = report.outcome
    _record(report.nodeid, outcome, report.duration, report.longreprtext or "")


def pytest_collectreport(report):
    if report.failed:
        _record(report.nodeid, "error", 0.0, report.longreprtext or "")


def pytest_sessionfinish(session):
    path = session.config.getoption("--compat-report")
    if path:
        Path(path).write_text(json.dumps(_OUTCOMES, indent=0))


# --- the two runs -----------------------------------------------------------------------------
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--db", required=True, help="prefix of the two databases")
    parser.add_argument("--home", required=True, help="LOT_TRACKING_HOME: cache and logs")
    parser.add_argument("--tours", action="store_true", help="also run HttpCase tests (tours)")
    parser.add_argument("suites", nargs="*", default=list(SUITES), help=f"default: {SUITES}")
    return parser.parse_args()


def addons_dir(odoo_src):
    for path in (Path(odoo_src) / "addons", Path(odoo_src) / "odoo" / "addons"):
        if (path / "stock" / "__manifest__.py").is_file():
            return path
    sys.exit(f"[compat] no stock add-on in {odoo_src}")


def baseline_key(odoo_src, addons, modules, suite, tours):
    """What a suite's baseline depends on: Odoo's version, its test files, modules, arguments."""
    digest = hashlib.sha1()
    for path in [
        Path(odoo_src) / "odoo" / "release.py",
        *sorted((addons / suite).rglob("tests/*")),
    ]:
        if path.is_file():
            digest.update(str(path.relative_to(odoo_src)).encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps([modules, suite, tours]).encode())
    return digest.hexdigest()[:16]


def fresh_db(args, name, modules, log):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
    config = configparser.ConfigParser()
    config.read(args.config)
    shutil.rmtree(Path(config["options"]["data_dir"]) / "filestore" / name, ignore_errors=True)
    odoo_bin = Path(args.odoo_src) / "setup" / "odoo"
    cmd = [sys.executable, str(odoo_bin), "-c", args.config, "-d", name, "-i", ",".join(modules)]
    cmd += ["--stop-after-init", "--no-http", "--log-level=warn"]
    if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False).returncode:
        raise RuntimeError(f"installing {','.join(modules)} into {name} failed: see {log.name}")


def suites_command(args, addons, db, suites, report):
    # the venv's pytest, not `python -m pytest`: that would put the add-ons (calendar!) on sys.path
    cmd = [str(Path(sys.executable).with_name("pytest")), "-p", "no:cacheprovider", "-p", "compat"]
    cmd += [f"--rootdir={addons}", f"--odoo-config={args.config}", f"--odoo-database={db}"]
    cmd += ["-q", "-o", "addopts=", f"--compat-report={report}"]
    if args.tours:
        cmd += ["--compat-tours", "--odoo-http"]
    return cmd + [f"{suite}/tests" for suite in suites]


def run(args, addons, name, modules, suites, report, results):
    """Install `modules` into a fresh database `name`, run `suites`, keep the outcomes."""
    log_path = Path(args.home) / "compat" / f"{name}.log"
    started = time.monotonic()
    try:
        with log_path.open("w") as log:
            fresh_db(args, name, modules, log)
            installed = time.monotonic()
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
            proc = subprocess.Popen(
                suites_command(args, addons, name, suites, report),
                cwd=addons,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            # wait4: the test process's own CPU time, a load-independent measure of its cost
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = rc = os.waitstatus_to_exitcode(status)
        if rc not in (0, 1) or not report.is_file():
            raise RuntimeError(f"pytest exited with {rc}: see {log_path}")
        results[name] = {
            "outcomes": json.loads(report.read_text()),
            "install": installed - started,
            "tests": time.monotonic() - installed,
            "cpu": usage.ru_utime + usage.ru_stime,
            "log": str(log_path),
        }
    except Exception as error:  # reported by the main thread
        results[name] = {"error": str(error)}


# --- comparison -------------------------------------------------------------------------------
def read_deliberate():
    deliberate = {}
    if not DELIBERATE.is_file():
        return deliberate
    for number, line in enumerate(DELIBERATE.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        test_id, sep, reason = line.partition(SEPARATOR)
        if not sep or not reason.strip():
            sys.exit(f"[compat] {DELIBERATE}:{number}: expected '<test id>{SEPARATOR}<reason>'")
        deliberate[test_id.strip()] = reason.strip()
    return deliberate


def suite_of(test_id):
    return test_id.split("/", 1)[0]


def counts(outcomes, suite):
    tally = {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "time": 0.0}
    for test_id, result in outcomes.items():
        if suite_of(test_id) == suite:
            tally[result["outcome"]] += 1
            tally["time"] += result["duration"]
    return tally


def compare(args, base, mod, deliberate):
    new = sorted(
        test_id
        for test_id, result in mod.items()
        if result["outcome"] in FAILED and base.get(test_id, {}).get("outcome") == "passed"
    )
    unexpected = [test_id for test_id in new if test_id not in deliberate]
    header = (
        "| suite | without lot_tracking: passed / failed / errors (time) "
        "| with lot_tracking: passed / failed / errors (time) | new failures | deliberate |"
    )
    print("\n" + header + "\n|---|---|---|---|---|")
    for suite in args.suites:
        b, m = counts(base, suite), counts(mod, suite)
        in_suite = [t for t in new if suite_of(t) == suite]
        listed = [t for t in in_suite if t in deliberate]
        print(
            f"| {suite} | {b['passed']} / {b['failed']} / {b['error']} ({b['time']:.0f} s) "
            f"| {m['passed']} / {m['failed']} / {m['error']} ({m['time']:.0f} s) "
            f"| {len(in_suite) - len(listed)} | {len(listed)} |"
        )
    stale = sorted(
        t for t in deliberate if suite_of(t) in args.suites and t in mod and t not in new
    )
    for test_id in stale:
        print(f"[compat] listed as deliberate but no longer differs (remove it): {test_id}")
    for test_id in unexpected:
        lines = mod[test_id]["message"].strip().splitlines()
        errors = [line for line in lines if line.startswith("E ")] or lines[-1:]
        print(f"\n[compat] NEW FAILURE {test_id}\n    {errors[0][1:].strip() if errors else ''}")
    return unexpected


def main():
    args = parse_args()
    addons = addons_dir(args.odoo_src)
    manifest = ast.literal_eval((REPO / "lot_tracking" / "__manifest__.py").read_text())
    modules = manifest["depends"]
    out = Path(args.home) / "compat"
    out.mkdir(parents=True, exist_ok=True)
    cache = {}  # suite -> cached baseline outcomes
    for suite in args.suites:
        key = baseline_key(args.odoo_src, addons, modules, suite, args.tours)
        cache[suite] = out / f"baseline-{suite}-{key}.json"
    refresh = os.environ.get("COMPAT_REFRESH") == "1"
    missing = [suite for suite, path in cache.items() if refresh or not path.is_file()]
    base_db, mod_db = f"{args.db}_compat_core", f"{args.db}_compat_lt"
    jobs = {mod_db: ([*modules, "lot_tracking"], args.suites)}
    if missing:
        jobs[base_db] = (modules, missing)
    if len(missing) < len(args.suites):
        print(
            f"[compat] baseline of {', '.join(s for s in args.suites if s not in missing)} "
            f"from the cache in {out} (COMPAT_REFRESH=1 recomputes it)"
        )
    print(f"[compat] running in {', '.join(jobs)}; logs in {out}")
    results = {}
    threads = [
        threading.Thread(
            target=run, args=(args, addons, name, mods, suites, out / f"{name}.json", results)
        )
        for name, (mods, suites) in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, result in results.items():
        if "error" in result:
            sys.exit(f"[compat] {name}: {result['error']}")
        print(
            f"[compat] {name}: install {result['install']:.0f} s, "
            f"tests {result['tests']:.0f} s (test process CPU {result['cpu']:.0f} s), "
            f"log {result['log']}"
        )
    for suite in missing:
        outcomes = results[base_db]["outcomes"].items()
        cache[suite].write_text(json.dumps({t: r for t, r in outcomes if suite_of(t) == suite}))
    base = {}
    for path in cache.values():
        base.update(json.loads(path.read_text()))
    unexpected = compare(args, base, results[mod_db]["outcomes"], read_deliberate())
    if unexpected:
        print(
            f"\n[compat] FAILED: {len(unexpected)} core test(s) pass without lot_tracking and "
            f"fail with it. Fix them, or list them in {DELIBERATE.relative_to(REPO)} with the "
            "reason when SPEC asks for the difference."
        )
        return 1
    print("\n[compat] OK: no core test fails because of lot_tracking beyond the deliberate list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
