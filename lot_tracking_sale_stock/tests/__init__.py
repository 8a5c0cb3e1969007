from . import test_lot_margin_delivery
