import { registry } from "@web/core/registry";

const FIELD = ".o_field_widget[name=lot_tracking_barcode] input";
const GTIN = "02000000000091"; // the tour's product, see tests/test_receipt_scan_tour.py

function fieldIsEmpty(content) {
    return {
        content,
        trigger: `.o_form_saved ${FIELD}`,
        run: () => {
            const value = document.querySelector(FIELD).value;
            if (value) {
                throw new Error(`the scan field still holds ${value}`);
            }
        },
    };
}

function label(lotCode, days) {
    const date = luxon.DateTime.now().plus({ days }).toFormat("yyMMdd");
    return `01${GTIN}17${date}10${lotCode}`;
}

registry.category("web_tour.tours").add("lot_tracking_receipt_scan_tour", {
    steps: () => [
        {
            content: "the scanner types the supplier's label and presses Enter",
            trigger: FIELD,
            run: `edit ${label("SCAN-1", 60)}`,
        },
        { trigger: FIELD, run: "press Enter" },
        fieldIsEmpty("the receipt is saved, the field ready for the next scan"),
        {
            content: "a wrong label is refused with the reason",
            trigger: FIELD,
            run: "edit 0109506000134353",
        },
        { trigger: FIELD, run: "press Enter" },
        { trigger: ".modal:contains('invalid check digit')" },
        { trigger: ".modal .btn-primary", run: "click" },
        {
            content: "the refused label is cleared, ready for the next scan",
            trigger: FIELD,
            run: () => {
                if (document.querySelector(FIELD).value) {
                    throw new Error("the refused label is still in the field");
                }
            },
        },
        { trigger: ".o_form_button_cancel", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
