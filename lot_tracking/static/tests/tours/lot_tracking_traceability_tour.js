import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("lot_tracking_traceability_tour", {
    steps: () => [
        {
            content: "core's upstream/downstream traceability of the lot",
            trigger: ".o-form-buttonbox button:contains('Traceability')",
            run: "click",
        },
        { trigger: ".o_report_heading:contains('Traceability Report')" },
        {
            content: "leads to the full lot trace",
            trigger: ".o_cp_buttons button.o_lot_tracking_trace:contains('Lot Trace')",
        },
    ],
});
