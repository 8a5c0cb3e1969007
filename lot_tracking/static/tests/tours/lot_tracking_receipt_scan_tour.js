import {registry} from "@web/core/registry";

const INPUT = "input[name=lot_tracking_scan]";
const GTIN = "02000000000091"; // the tour's product, see tests/test_receipt_scan_tour.py

function label(lotCode, days) {
    const date = luxon.DateTime.now().plus({days}).toFormat("yyMMdd");
    return `01${GTIN}17${date}10${lotCode}`;
}

function formIsClean(content) {
    return {
        content,
        trigger: ".o_form_status_indicator_buttons.invisible:not(:visible)",
        run: () => {
            if (document.querySelector(INPUT).value) {
                throw new Error("the scan box still holds the label");
            }
        },
    };
}

registry.category("web_tour.tours").add("lot_tracking_receipt_scan_tour", {
    steps: () => [
        {
            content: "the scanner types the supplier's label and presses Enter",
            trigger: INPUT,
            run: `edit ${label("SCAN-1", 60)}`,
        },
        {trigger: INPUT, run: "press Enter"},
        {
            content: "a notification says what the scan did",
            trigger:
                ".o_notification:has(.bg-success):contains(Scanned Yogurt: lot):contains(supplier lot SCAN-1):contains(Released)",
        },
        {
            content: "the lot shows on its line",
            trigger: ".o_field_many2many_tags[name=lot_ids] .o_tag:contains(L)",
        },
        formIsClean("nothing left to save, the box ready for the next scan"),
        {
            content:
                "a wrong label is refused with the reason, without a dialog to dismiss",
            trigger: INPUT,
            run: "edit 0109506000134353",
        },
        {trigger: INPUT, run: "press Enter"},
        {
            trigger:
                ".o_notification:has(.bg-danger):contains(Label refused):contains(invalid check digit)",
        },
        {trigger: "body:not(:has(.modal))"},
        formIsClean("the refused label is cleared, the form still clean"),
    ],
});
