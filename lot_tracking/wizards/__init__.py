from . import lot_tracking_quality_wizard
