from odoo import fields
from odoo.tools import SQL, format_date

from .reports.lot_tracking_analysis_store import drop_analysis_triggers


def uninstall_hook(env):
    """Keep on each lot, in core's own fields, what uninstalling would otherwise erase and a
    user relies on: the supplier's lot code (as Internal Reference, when empty) and a quality
    state other than released (in the Description), since core will sell such lots again.
    Remove the analysis triggers from core's tables: nothing of the module runs there once it
    is gone, and the columns they watch can be dropped."""
    drop_analysis_triggers(env.cr)
    env.cr.execute(
        SQL(
            """
            UPDATE stock_lot
               SET ref = COALESCE(NULLIF(ref, ''), supplier_lot_code),
                   note = CASE WHEN quality_state = 'released' THEN note
                          ELSE CONCAT(note, '<p>', %(intro)s, ' <b>',
                                      CASE quality_state WHEN 'quarantine' THEN %(quarantine)s
                                                         WHEN 'blocked' THEN %(blocked)s
                                                         ELSE %(recalled)s END,
                                      '</b>. ', %(warning)s, '</p>') END
             WHERE supplier_lot_code IS NOT NULL OR quality_state != 'released'
            """,
            intro=env._(
                "Lot Tracking uninstalled on %(date)s: this lot was",
                date=format_date(env, fields.Date.today()),
            ),
            quarantine=env._("in quarantine"),
            blocked=env._("blocked"),
            recalled=env._("recalled"),
            warning=env._("Odoo no longer prevents selling it."),
        )
    )
