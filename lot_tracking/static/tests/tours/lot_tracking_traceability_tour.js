import {registry} from "@web/core/registry";

// The lot's trace as the test set it up: received from a supplier, part delivered.
registry.category("web_tour.tours").add("lot_tracking_traceability_tour", {
    steps: () => [
        {
            content: "core's upstream/downstream traceability of the lot",
            trigger: ".o-form-buttonbox button:contains('Traceability')",
            run: "click",
        },
        {trigger: ".o_report_heading:contains('Traceability Report')"},
        {
            content: "leads to the full lot trace",
            trigger: ".o_cp_buttons button.o_lot_tracking_trace:contains('Lot Trace')",
            run: "click",
        },
        {
            content: "the trace of this lot opens",
            trigger: ":iframe .o_lot_tracking_trace h2:contains('Lot Trace: TRACED-1')",
        },
        {
            content: "where it came from",
            trigger:
                ":iframe table[name=lot_twin] tr:contains('Supplier'):contains('Traced Farm')",
        },
        {
            content: "received from the supplier",
            trigger:
                ":iframe table[name=lot_movements] tr:contains('Receipt'):contains('Traced Farm'):contains('5.00')",
        },
        {
            content: "delivered to the customer",
            trigger:
                ":iframe table[name=lot_movements] tr:contains('Delivery'):contains('Traced Shop'):contains('2.00')",
        },
        {
            content: "what is left in stock",
            trigger:
                ":iframe table[name=lot_stock] tr:contains('WH/Stock'):contains('3.00')",
        },
    ],
});
