# Copyright 2026 lot_tracking contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Lot Tracking: invoiced deliveries",
    "summary": "Lot Margin of lots delivered on invoiced sales orders",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/lot-tracking/lot_tracking",
    "author": "lot_tracking contributors",
    "license": "LGPL-3",
    "depends": ["lot_tracking", "sale_stock"],
    "data": [
        "reports/lot_tracking_lot_margin_views.xml",
    ],
    "auto_install": True,
}
