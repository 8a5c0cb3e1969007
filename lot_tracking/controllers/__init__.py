from . import epcis
from . import lot_api
