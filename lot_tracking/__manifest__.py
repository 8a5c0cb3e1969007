# Copyright 2026 lot_tracking contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Lot Tracking",
    "summary": "The lot as the unit of receiving, selling, valuing, expiry and trace",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/lot-tracking/lot_tracking",
    "author": "lot_tracking contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": [
        "mail",
        "stock",
        "stock_account",
        "purchase_stock",
        "product_expiry",
        "point_of_sale",
        "barcodes_gs1_nomenclature",
    ],
    # Python >= 3.11: biip (GS1 parsing) needs it, although Odoo 18.0 itself runs on 3.10.
    "external_dependencies": {"python": ["xlsxwriter", "openpyxl", "biip"]},
    "data": [
        "security/lot_tracking_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/barcode_rule_data.xml",
        "data/ir_cron_data.xml",
        "views/lot_tracking_event_views.xml",
        "wizards/lot_tracking_quality_wizard_views.xml",
        "wizards/lot_tracking_write_off_wizard_views.xml",
        "views/stock_lot_views.xml",
        "views/stock_picking_views.xml",
        "views/product_views.xml",
        "reports/lot_tracking_recall_report.xml",
        "views/lot_tracking_recall_views.xml",
        "views/lot_tracking_suggestion_views.xml",
        "reports/lot_tracking_analysis_views.xml",
        "reports/lot_tracking_vendor_score_views.xml",
        "views/lot_tracking_menus.xml",
        "reports/lot_trace_report.xml",
        "views/stock_lot_trace_views.xml",
        "wizards/lot_tracking_fsma_wizard_views.xml",
        "views/res_config_settings_views.xml",
        "reports/lot_tracking_valuation_report_views.xml",
        "views/pos_config_views.xml",
        "views/pos_order_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "lot_tracking/static/src/stock/**/*",
        ],
        "point_of_sale._assets_pos": [
            "lot_tracking/static/src/pos/**/*",
        ],
        "web.assets_tests": [
            "lot_tracking/static/tests/tours/**/*",
        ],
    },
    "demo": [
        "demo/lot_tracking_demo.xml",
    ],
}
