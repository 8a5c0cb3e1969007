"""Screenshots of lot_tracking's screens, taken in headless Chromium from a running Odoo.

    python scripts/screenshots.py --url http://localhost:8069 --db lot_tracking --out docs/screenshots

Logs in as admin, opens each page of ``PAGES`` (a web client URL fragment built from the demo
data, or a PDF report rendered to PNG) and saves ``<name>.png``. Used by ``make screenshots``.
"""

import argparse
import base64
import datetime
import json
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket

CDP_PORT = 9333


def jsonrpc(session, url, model, method, *args, **kwargs):
    response = session.post(
        f"{url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        },
        timeout=60,
    ).json()
    if "error" in response:
        raise RuntimeError(json.dumps(response["error"], indent=1)[:2000])
    return response["result"]


def ref(session, url, xmlid):
    module, name = xmlid.split(".")
    [data] = jsonrpc(
        session,
        url,
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        ["res_id"],
    )
    return data["res_id"]


class Browser:
    """Just enough of the DevTools protocol: cookies, navigation, evaluation, screenshots."""

    def __init__(self, width=1440, height=900):
        self.profile = tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={CDP_PORT}",
                f"--user-data-dir={self.profile.name}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                pages = requests.get(f"http://127.0.0.1:{CDP_PORT}/json/list", timeout=2).json()
                target = next(p for p in pages if p["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url, ready_selector, settle=1.0, timeout=30):
        self.send("Page.navigate", url=url)
        deadline = time.time() + timeout
        check = f"!!document.querySelector({json.dumps(ready_selector)})"
        while time.time() < deadline and not self.evaluate(check):
            time.sleep(0.3)
        time.sleep(settle)  # let animations and lazy widgets finish

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait()
        self.profile.cleanup()


def pdf_to_png(pdf_bytes, path):
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp, "report.pdf")
        pdf.write_bytes(pdf_bytes)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", pdf, Path(tmp, "page")],
            check=True,
        )
        Path(path).write_bytes(next(Path(tmp).glob("page*.png")).read_bytes())


YOGURT_GTIN = "09506000134352"  # the demo's Greek Yogurt (EAN-13 9506000134352)


def expiry(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).strftime("%y%m%d")


def new_receipt(session, url):
    """A confirmed purchase of the demo yogurt: its receipt, ready to scan."""
    yogurt = ref(session, url, "lot_tracking.demo_product_yogurt")
    supplier = ref(session, url, "lot_tracking.demo_supplier")
    order = jsonrpc(
        session,
        url,
        "purchase.order",
        "create",
        {
            "partner_id": supplier,
            "order_line": [(0, 0, {"product_id": yogurt, "product_qty": 24, "price_unit": 1.05})],
        },
    )
    jsonrpc(session, url, "purchase.order", "button_confirm", [order])
    [data] = jsonrpc(session, url, "purchase.order", "read", [order], ["picking_ids"])
    return data["picking_ids"][0]


# At the till: past the opening dialog, add the yogurt: its first-to-expire lot is pre-selected.
POS_ADD_YOGURT = """
(async () => {
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    // the splash screen's Open Register, then the opening control's
    for (let step = 0; step < 2; step++) {
        const open = [...document.querySelectorAll("body *")]
            .filter((node) => /^\\s*Open Register\\s*$/.test(node.textContent))
            .pop(); // the innermost: its click reaches the button
        if (open) { open.click(); await wait(3000); }
    }
    const card = [...document.querySelectorAll(".product-list article")].find((a) =>
        a.textContent.includes("Greek Yogurt"));
    card?.click();
})()
"""


# Seconds a page needs after its script: the till opens a session, the dashboard loads data.
WAIT = {"pos_lot_step": 6, "lots_dashboard": 8}
# Pages larger than the window: (width, height)
SIZE = {"lots_dashboard": (1600, 960)}


def scan_script(label):
    """Type a label in the receipt's scan box and press Enter, as a scanner does."""
    return (
        "const input = document.querySelector('input[name=lot_tracking_scan]');"
        f"input.value = {json.dumps(label)};"
        "input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*", help="names of the screenshots to take")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    session = requests.Session()
    session.post(
        f"{args.url}/web/session/authenticate",
        json={"params": {"db": args.db, "login": args.login, "password": args.password}},
        timeout=60,
    ).raise_for_status()
    url = args.url

    def lot(code, state):
        [lot] = jsonrpc(
            session,
            url,
            "stock.lot",
            "search_read",
            [("supplier_lot_code", "=", code), ("quality_state", "=", state)],
            ["id"],
            limit=1,
        )
        return lot["id"]

    recalled = lot("FF-B", "recalled")
    receipt = new_receipt(session, url)
    [recall] = jsonrpc(session, url, "lot.tracking.recall", "search", [], limit=1)
    shop = ref(session, url, "point_of_sale.pos_config_bakery")
    jsonrpc(session, url, "pos.config", "open_ui", [shop])
    # name: (web client path, selector that says the page is ready, JavaScript to run then)
    pages = {
        "lot_form": (
            f"/odoo/action-lot_tracking.stock_lot_action/{recalled}",
            ".o_form_view",
            "document.querySelector(\"a[name='lot_tracking_history']\").click()",
        ),
        "lot_list": ("/odoo/action-lot_tracking.stock_lot_action", ".o_list_view", ""),
        "receipt_scan": (
            f"/odoo/action-stock.action_picking_tree_all/{receipt}",
            "input[name=lot_tracking_scan]",
            scan_script(f"01{YOGURT_GTIN}17{expiry(20)}10FF-D" + "\x1d" + "3712"),
        ),
        "pos_lot_step": (
            f"/pos/ui?config_id={shop}",
            ".pos",
            POS_ADD_YOGURT,
        ),
        "recall": (
            f"/odoo/action-lot_tracking.lot_tracking_recall_action/{recall}",
            ".o_form_view",
            "document.querySelector(\"a[name='customers']\").click()",
        ),
        "lots_dashboard": (
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            ".o_search_panel_category_value[data-name='Lots']",
            "document.querySelector(\".o_search_panel_category_value[data-name='Lots']\").click()",
        ),
        "lot_analysis": (
            "/odoo/action-lot_tracking.lot_tracking_analysis_action",
            ".o_list_view .o_data_row",
            "",
        ),
        "settings": (
            "/odoo/settings#stock",
            "#lot_tracking_force_lot_valuation",
            "document.querySelector('#lot_tracking_force_lot_valuation').scrollIntoView({block: 'center'})",
        ),
    }
    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=url,
        )
        for name, (path, selector, script) in pages.items():
            if args.only and name not in args.only:
                continue
            width, height = SIZE.get(name, (1440, 900))
            browser.send(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.open(url + path, selector)
            if script:
                browser.evaluate(script)
                time.sleep(WAIT.get(name, 2))
            browser.screenshot(out / f"{name}.png")
            print(out / f"{name}.png")
    finally:
        browser.close()
    if not args.only or "trace_pdf" in args.only:
        pdf = session.get(f"{url}/report/pdf/lot_tracking.report_lot_trace/{recalled}", timeout=120)
        pdf.raise_for_status()
        pdf_to_png(pdf.content, out / "trace_pdf.png")
        print(out / "trace_pdf.png")


if __name__ == "__main__":
    main()
