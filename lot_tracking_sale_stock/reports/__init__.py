from . import lot_tracking_lot_margin
