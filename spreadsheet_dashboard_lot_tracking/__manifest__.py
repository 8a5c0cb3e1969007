# Copyright 2026 lot_tracking contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Spreadsheet dashboard for lot tracking",
    "summary": "Lots dashboard: expiry, fastest and stagnating lots, accuracy, time saved, vendors",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/lot-tracking/lot_tracking",
    "author": "lot_tracking contributors",
    "license": "LGPL-3",
    "depends": ["lot_tracking", "spreadsheet_dashboard"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "spreadsheet_dashboard_lot_tracking/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
