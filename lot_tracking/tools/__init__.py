from . import gs1
from . import period
from . import xlsx
