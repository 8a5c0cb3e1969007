from . import lot_tracking_valuation_report
