from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from ..hooks import uninstall_hook
from .test_analytics import AnalyticsCommon

FIGURES = ["qty_received", "qty_sold", "qty_on_hand", "sales_per_day", "projected_unsold_qty"]


class RolledBack(Exception):
    """Leaves a savepoint by rolling it back."""


@tagged("post_install", "-at_install")
class TestAnalysisStore(AnalyticsCommon):
    """The analysis reads stored rows for unchanged products and computes the others live:
    what it shows never depends on when the refresh last ran."""

    def setUp(self):
        super().setUp()
        self.lot_a = self._receive(self.yogurt, 100)
        self.lot_b = self._receive(self.yogurt, 50)
        self._age(self.lot_a, 40, expires_in=20)
        self._age(self.lot_b, 40, expires_in=60)
        self._deliver(self.yogurt, self.lot_a, 30)
        self.lots = self.lot_a | self.lot_b

    def _figures(self):
        self.env.invalidate_all()
        rows = self.env["lot.tracking.analysis"].search_read(
            [("lot_id", "in", self.lots.ids)], FIGURES, order="lot_id"
        )
        return [tuple(row[name] for name in FIGURES) for row in rows]

    def _refresh(self):
        self.env["lot.tracking.analysis.store"]._cron_lot_tracking_refresh_analysis()

    def _tamper(self):
        """Change the stored row of lot A behind the ORM: shows whether it is read."""
        self.env.cr.execute(
            "UPDATE lot_tracking_analysis_store SET qty_received = 999 WHERE lot_id = %s",
            [self.lot_a.id],
        )

    def _dirty(self, product):
        self.env.cr.execute(
            "SELECT COUNT(*) FROM lot_tracking_analysis_dirty WHERE product_id = %s",
            [product.id],
        )
        return self.env.cr.fetchone()[0]

    def test_stored_rows_are_the_live_rows(self):
        live = self._figures()
        self.assertEqual(live, [(100.0, 30.0, 70.0, 1.0, 50.0), (50.0, 0.0, 50.0, 0.0, 10.0)])
        self.assertTrue(self._dirty(self.yogurt), "the receipts marked the product")
        self._refresh()
        self.assertFalse(self._dirty(self.yogurt))
        stored = self.env["lot.tracking.analysis.store"].search([("lot_id", "in", self.lots.ids)])
        self.assertEqual(len(stored), 2)
        self.assertEqual(stored.mapped("computed_on"), [fields.Date.today()] * 2)
        self.assertEqual(self._figures(), live)
        self._tamper()
        self.assertEqual(self._figures()[0][0], 999.0, "an unchanged product is read stored")

    def test_a_change_is_read_live_until_the_next_refresh(self):
        self._refresh()
        self._tamper()
        self._deliver(self.yogurt, self.lot_a, 6)
        self.assertTrue(self._dirty(self.yogurt))
        self.assertEqual(self._figures()[0], (100.0, 36.0, 64.0, 1.2, 40.0))
        self._refresh()
        self.assertEqual(self._figures()[0], (100.0, 36.0, 64.0, 1.2, 40.0))
        # a change of the lot itself, of its quant, of its layers: the same
        for change in (
            lambda: self._age(self.lot_a, 40, expires_in=30),
            lambda: self._count(self.lot_a, 60),
        ):
            self._refresh()
            self._tamper()
            change()
            self.assertNotEqual(self._figures()[0][0], 999.0)

    def test_rows_of_another_day_or_other_settings_are_not_read(self):
        self._refresh()
        yesterday = fields.Date.today() - timedelta(days=1)
        self.env.cr.execute(
            "UPDATE lot_tracking_analysis_store SET computed_on = %s WHERE lot_id = %s",
            [yesterday, self.lot_a.id],
        )
        self._tamper()
        self.assertEqual(self._figures()[0][0], 100.0)
        self._refresh()  # a new day: every lot again
        self.assertEqual(
            self.env["lot.tracking.analysis.store"]
            .search([("lot_id", "=", self.lot_a.id)])
            .computed_on,
            fields.Date.today(),
        )
        self._tamper()
        self.company.lot_tracking_velocity_days = 60
        self.assertEqual(self._figures()[0], (100.0, 30.0, 70.0, 0.75, 55.0))

    def _module_triggers(self):
        """The triggers that run a function of this module (table, trigger), and those
        functions."""
        cr = self.env.cr
        cr.execute(
            r"""
            SELECT trg.tgrelid::regclass::text, trg.tgname
              FROM pg_trigger trg
              JOIN pg_proc function ON function.oid = trg.tgfoid
             WHERE NOT trg.tgisinternal AND function.proname LIKE 'lot\_tracking\_%'
            """
        )
        triggers = set(cr.fetchall())
        cr.execute(r"SELECT proname FROM pg_proc WHERE proname LIKE 'lot\_tracking\_%'")
        return triggers, {name for (name,) in cr.fetchall()}

    def test_uninstall_hook_drops_the_triggers(self):
        """Uninstalling leaves no trigger of the module on core's tables, nor its functions:
        the columns and tables they watched can be dropped (without CASCADE), and core's
        writes to those tables run as they would without the module."""
        triggers, functions = self._module_triggers()
        self.assertEqual(
            {table for table, __ in triggers},
            {
                "stock_move_line",
                "stock_quant",
                "stock_valuation_layer",
                "stock_lot",
                "res_company",
                "product_template",
            },
        )
        self.assertEqual(
            functions,
            {
                "lot_tracking_analysis_mark_dirty",
                "lot_tracking_analysis_mark_company",
                "lot_tracking_analysis_mark_template",
            },
        )
        self.env.flush_all()
        cr = self.env.cr
        with self.assertRaises(RolledBack), cr.savepoint(flush=False):
            uninstall_hook(self.env)
            self.assertEqual(self._module_triggers(), (set(), set()))
            # what the uninstall drops next: nothing of core's depends on it any more
            cr.execute(
                """
                ALTER TABLE res_company DROP COLUMN lot_tracking_velocity_days,
                                        DROP COLUMN lot_tracking_observation_days;
                ALTER TABLE stock_lot DROP COLUMN quality_state;
                DROP TABLE lot_tracking_analysis_dirty;
                DROP TABLE lot_tracking_analysis_store;
                """
            )
            for table, key in (
                ("stock_move_line", "lot_id"),
                ("stock_quant", "lot_id"),
                ("stock_valuation_layer", "lot_id"),
                ("stock_lot", "id"),
            ):
                cr.execute(
                    SQL(
                        "UPDATE %s SET product_id = product_id WHERE %s = %s",
                        SQL.identifier(table),
                        SQL.identifier(key),
                        self.lot_a.id,
                    )
                )
                self.assertTrue(cr.rowcount, table)
            cr.execute("UPDATE product_template SET categ_id = categ_id")
            raise RolledBack
        self.env.invalidate_all()
        self.assertEqual(self._module_triggers(), (triggers, functions), "rolled back")
