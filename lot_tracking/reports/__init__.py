from . import lot_tracking_analysis
from . import lot_tracking_expiry_loss
from . import lot_tracking_lot_margin
from . import lot_tracking_restock_forecast
from . import lot_tracking_stock_accuracy
from . import lot_tracking_time_saved
from . import lot_tracking_valuation_report
from . import lot_tracking_vendor_score
