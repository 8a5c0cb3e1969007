"""Scaling out: what only reads is declared so, and Odoo started with ``--db_replica_host``
serves it from a streaming replica (tests run on one database: the declarations are checked
here, the replica is shown by ``scripts/bench_replica.py``)."""

from odoo.http import _generate_routing_rules
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestReadonlyDeclarations(TransactionCase):
    def test_get_routes_are_readonly(self):
        """Every GET route of the module (lot API, EPCIS) may run on a read-only cursor;
        every route that writes takes POST only."""
        routes = [
            (url, endpoint)
            for url, endpoint in _generate_routing_rules(["lot_tracking"], nodb_only=False)
            if endpoint.func.__module__.startswith("odoo.addons.lot_tracking.")
        ]
        self.assertGreater(len(routes), 10)
        for url, endpoint in routes:
            routing = endpoint.routing
            with self.subTest(route=url):
                methods = set(routing.get("methods") or ())
                self.assertTrue(methods, "a route names its methods")
                if methods == {"GET"}:
                    self.assertIs(routing["readonly"], True)
                else:
                    self.assertEqual(methods, {"POST"})
                    self.assertFalse(routing["readonly"])

    def test_read_methods_of_the_web_client_are_readonly(self):
        """Methods the web client and the POS call only to read carry ``@api.readonly``
        (``/web/dataset/call_kw`` then opens a read-only cursor)."""
        for model, method in (
            ("pos.order.line", "get_existing_lots"),
            ("pos.order.line", "lot_tracking_check_lot"),
            ("stock.lot", "action_lot_tracking_events"),
            ("res.partner", "action_lot_tracking_vendor_score"),
        ):
            with self.subTest(method=f"{model}.{method}"):
                self.assertTrue(getattr(getattr(self.registry[model], method), "_readonly", False))
        # what writes does not
        self.assertFalse(hasattr(self.registry["stock.picking"].lot_tracking_scan, "_readonly"))
