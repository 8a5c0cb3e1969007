from . import test_lots_dashboard
