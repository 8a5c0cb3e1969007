from . import (
    barcode_rule,
    ir_sequence,
    lot_tracking_event,
    product_category,
    product_template,
    stock_lot,
    stock_move,
    stock_move_line,
    stock_picking,
    stock_quant,
)
