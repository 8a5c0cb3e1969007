from odoo import api, fields, models
from odoo.tools import SQL

from ..models.stock_lot import QUALITY_STATES

# Row changes that can change a lot's analysis row mark its product for recomputation.
# (table, columns whose update matters, condition on the row)
WATCHED = [
    (
        "stock_move_line",
        "state, quantity_product_uom, lot_id, location_id, location_dest_id, date, "
        "company_id, product_id",
        "lot_id IS NOT NULL",
    ),
    ("stock_quant", "quantity, location_id, lot_id, product_id", "lot_id IS NOT NULL"),
    ("stock_valuation_layer", "quantity, value, lot_id, product_id", "lot_id IS NOT NULL"),
    (
        "stock_lot",
        "product_id, company_id, supplier_id, quality_state, expiration_date, receipt_date",
        "TRUE",
    ),
]


TRIGGER_EVENTS = ("insert", "update", "delete")


def drop_analysis_triggers(cr):
    """For the uninstall hook: remove the triggers and their function."""
    for table, __, __ in WATCHED:
        for event in TRIGGER_EVENTS:
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(f"lot_tracking_analysis_{event}"),
                    SQL.identifier(table),
                )
            )
    for table in ("res_company", "product_template"):
        cr.execute(
            SQL("DROP TRIGGER IF EXISTS lot_tracking_analysis_update ON %s", SQL.identifier(table))
        )
    for function in ("mark_dirty", "mark_company", "mark_template"):
        cr.execute(
            SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(f"lot_tracking_analysis_{function}"))
        )


class LotTrackingAnalysisStore(models.Model):
    """The rows of the lot movement analysis as of a day, so that reading it does not
    aggregate every move line each time. `lot.tracking.analysis` reads these rows for the
    products not changed since, and computes the others live."""

    _name = "lot.tracking.analysis.store"
    _description = "Lot Movement Analysis (stored rows)"
    _log_access = False

    lot_id = fields.Many2one("stock.lot", required=True, index=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", index=True, ondelete="cascade")
    categ_id = fields.Many2one("product.category", ondelete="set null")
    supplier_id = fields.Many2one("res.partner", ondelete="set null")
    company_id = fields.Many2one("res.company", ondelete="cascade")
    quality_state = fields.Selection(QUALITY_STATES)
    expiration_date = fields.Datetime()
    first_receipt_date = fields.Datetime()
    last_sale_date = fields.Datetime()
    qty_received = fields.Float()
    qty_sold = fields.Float()
    qty_returned = fields.Float()
    qty_scrapped = fields.Float()
    qty_on_hand = fields.Float()
    utilization = fields.Float()
    days_in_stock = fields.Integer()
    has_velocity = fields.Boolean()
    sales_per_day = fields.Float()
    days_of_cover = fields.Float()
    days_to_expiry = fields.Integer()
    projected_unsold_qty = fields.Float()
    projected_unsold_value = fields.Float()
    is_stagnating = fields.Boolean()
    # what the rows were computed with
    velocity_days = fields.Integer()
    observation_days = fields.Integer()
    computed_on = fields.Date(index=True)

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION lot_tracking_analysis_mark_dirty() RETURNS trigger AS $$
            BEGIN
                -- the module uninstalled but these triggers left: do nothing
                IF to_regclass('lot_tracking_analysis_dirty') IS NULL THEN
                    RETURN NULL;
                END IF;
                IF TG_OP != 'DELETE' AND NEW.product_id IS NOT NULL THEN
                    INSERT INTO lot_tracking_analysis_dirty (product_id, transaction)
                    VALUES (NEW.product_id, txid_current()::varchar)
                    ON CONFLICT DO NOTHING;
                END IF;
                IF TG_OP != 'INSERT' AND OLD.product_id IS NOT NULL
                   AND OLD.product_id IS DISTINCT FROM NEW.product_id THEN
                    INSERT INTO lot_tracking_analysis_dirty (product_id, transaction)
                    VALUES (OLD.product_id, txid_current()::varchar)
                    ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
            """
        )
        # A company's sales window or observation window: all its products; a product's
        # category: the template's products.
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION lot_tracking_analysis_mark_company() RETURNS trigger AS $$
            BEGIN
                IF to_regclass('lot_tracking_analysis_dirty') IS NOT NULL THEN
                    INSERT INTO lot_tracking_analysis_dirty (product_id, transaction)
                    SELECT DISTINCT store.product_id, txid_current()::varchar
                      FROM lot_tracking_analysis_store store
                     WHERE store.company_id = NEW.id
                    ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
            CREATE OR REPLACE FUNCTION lot_tracking_analysis_mark_template() RETURNS trigger AS $$
            BEGIN
                IF to_regclass('lot_tracking_analysis_dirty') IS NOT NULL THEN
                    INSERT INTO lot_tracking_analysis_dirty (product_id, transaction)
                    SELECT product.id, txid_current()::varchar
                      FROM product_product product
                     WHERE product.product_tmpl_id = NEW.id
                    ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS lot_tracking_analysis_update ON res_company;
            CREATE TRIGGER lot_tracking_analysis_update
                AFTER UPDATE OF lot_tracking_velocity_days, lot_tracking_observation_days
                ON res_company FOR EACH ROW
                WHEN (OLD.lot_tracking_velocity_days IS DISTINCT FROM NEW.lot_tracking_velocity_days
                      OR OLD.lot_tracking_observation_days
                         IS DISTINCT FROM NEW.lot_tracking_observation_days)
                EXECUTE FUNCTION lot_tracking_analysis_mark_company();
            DROP TRIGGER IF EXISTS lot_tracking_analysis_update ON product_template;
            CREATE TRIGGER lot_tracking_analysis_update
                AFTER UPDATE OF categ_id ON product_template FOR EACH ROW
                WHEN (OLD.categ_id IS DISTINCT FROM NEW.categ_id)
                EXECUTE FUNCTION lot_tracking_analysis_mark_template();
            """
        )
        for table, columns, condition in WATCHED:
            for event, when in (
                ("INSERT", condition.replace("lot_id", "NEW.lot_id")),
                (f"UPDATE OF {columns}", "TRUE"),
                ("DELETE", condition.replace("lot_id", "OLD.lot_id")),
            ):
                name = f"lot_tracking_analysis_{event.split()[0].lower()}"
                cr.execute(
                    SQL(
                        """
                        DROP TRIGGER IF EXISTS %(name)s ON %(table)s;
                        CREATE TRIGGER %(name)s AFTER %(event)s ON %(table)s
                            FOR EACH ROW WHEN (%(when)s)
                            EXECUTE FUNCTION lot_tracking_analysis_mark_dirty();
                        """,
                        name=SQL.identifier(name),
                        table=SQL.identifier(table),
                        event=SQL(event),  # constants above
                        when=SQL(when),
                    )
                )

    @api.model
    def _cron_lot_tracking_refresh_analysis(self):
        """Recompute the products changed since the last run, every lot once a day."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            SELECT COALESCE(MIN(computed_on) < (now() AT TIME ZONE 'UTC')::date, TRUE)
              FROM lot_tracking_analysis_store
            """
        )
        full = cr.fetchone()[0]
        # The marks this transaction sees; marks of transactions still running stay.
        cr.execute("SELECT id, product_id FROM lot_tracking_analysis_dirty")
        marks = cr.fetchall()
        products = None if full else {product_id for __, product_id in marks}
        if products is None or products:
            self.env["lot.tracking.analysis"]._lot_tracking_refresh_store(products)
        if marks:
            cr.execute(
                "DELETE FROM lot_tracking_analysis_dirty WHERE id = ANY(%s)",
                [[mark_id for mark_id, __ in marks]],
            )


class LotTrackingAnalysisDirty(models.Model):
    """Products whose lots changed since their analysis rows were stored: one mark per
    product and transaction, written by database triggers."""

    _name = "lot.tracking.analysis.dirty"
    _description = "Lot Movement Analysis (changed products)"
    _log_access = False

    product_id = fields.Integer(required=True, index=True)
    transaction = fields.Char(required=True)

    _sql_constraints = [
        (
            "product_transaction_uniq",
            "unique (product_id, transaction)",
            "One mark per product and transaction.",
        )
    ]
