from . import reports
