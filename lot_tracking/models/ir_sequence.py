from odoo import models


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    def _lot_tracking_next_batch(self, count):
        """Return ``count`` next values of this sequence, in one query when possible."""
        self.ensure_one()
        if self.implementation != "standard" or self.use_date_range or count <= 1:
            return [self.next_by_id() for _i in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            (f"ir_sequence_{self.id:03d}", count),
        )
        return [self.get_next_char(number) for (number,) in self.env.cr.fetchall()]
