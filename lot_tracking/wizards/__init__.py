from . import lot_tracking_quality_wizard
from . import lot_tracking_write_off_wizard
from . import lot_tracking_fsma_wizard
