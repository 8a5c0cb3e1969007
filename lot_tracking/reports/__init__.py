from . import lot_tracking_analysis
from . import lot_tracking_valuation_report
from . import lot_tracking_vendor_score
from . import report_lot_trace
