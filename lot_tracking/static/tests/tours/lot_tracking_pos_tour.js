import {registry} from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {negate, scan_barcode} from "@point_of_sale/../tests/tours/utils/common";

const GTIN = "08712345000011";

function line(lot) {
    return `.order-container .orderline:has(.info-list li:contains("Lot ${lot}"))`;
}

function lotLine(lot, qty) {
    return {
        content: `a line of ${qty} from lot ${lot}, with its expiry`,
        trigger: `${line(lot)}:has(.qty:contains("${qty}")):has(li:contains("expires"))`,
    };
}

/** The selected line's lot step, as the till measured it: pre-selected or not, taps. */
function lotStepIs(auto, taps) {
    return {
        content: `lot step: ${auto ? "pre-selected" : "chosen"} in ${taps} taps`,
        trigger: "body",
        run: () => {
            const line = window.posmodel.get_order().get_selected_orderline();
            const step = line.uiState.lotTrackingStep;
            if (
                step?.auto !== auto ||
                step.taps !== taps ||
                line.lot_auto_selected !== auto
            ) {
                throw new Error(`Lot step: ${JSON.stringify(step)}`);
            }
        },
    };
}

function gs1Label(lotCode, days) {
    const date = luxon.DateTime.now().plus({days}).toFormat("yyMMdd");
    return `01${GTIN}17${date}10${lotCode}`;
}

registry.category("web_tour.tours").add("lot_tracking_pos_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),

            // First to expire pre-selected: no popup.
            ProductScreen.clickDisplayedProduct("Yogurt"),
            lotLine("Y-SOON", "1"),
            lotStepIs(true, 0),

            // 5 asked, 3 in the lot: the rest comes from the next lot to expire.
            ProductScreen.clickNumpad("5"),
            {trigger: '.o_notification:contains("Only 3 left in lot Y-SOON")'},
            lotLine("Y-SOON", "3"),
            lotLine("Y-LATE", "2"),

            // One tap opens the lots: the line's lot in the input, the others first to expire
            // first under it; recalled and expired ones absent.
            {trigger: `${line("Y-LATE")} .line-lot-icon`, run: "click"},
            {
                content: "the list opens on the line's current lot",
                trigger: ".list-line-input",
                run: () => {
                    const value = document.querySelector(".list-line-input").value;
                    if (value !== "Y-LATE") {
                        throw new Error(
                            `The lot list opened on "${value}", not on Y-LATE`
                        );
                    }
                },
            },
            {
                trigger:
                    '.options-dropdown .option:eq(0):contains("Y-NONE"):contains("no expiry")',
            },
            {trigger: negate('.options-dropdown .option:contains("Y-RECALLED")')},
            {trigger: negate('.options-dropdown .option:contains("Y-EXPIRED")')},
            // A typed expired lot: one message, with the reason; the line keeps its good lot.
            {trigger: ".list-line-input", run: "edit Y-EXPIRED"},
            {trigger: negate(".options-dropdown .no-match")},
            Dialog.confirm("Ok"),
            Dialog.is({title: "Lot refused"}),
            {
                trigger:
                    '.modal-body:contains("Y-EXPIRED"):contains("cannot be sold: Expired on")',
            },
            Dialog.confirm(),
            {trigger: negate(".modal")},
            {
                trigger: `${line("Y-LATE")}:has(.qty:contains("2")) .line-lot-icon.text-success`,
            },

            // Picking a lot by hand: open the list, tap the lot, confirm.
            {trigger: `${line("Y-LATE")} .line-lot-icon`, run: "click"},
            {trigger: '.options-dropdown .option:contains("Y-NONE")', run: "click"},
            Dialog.confirm("Ok"),
            {trigger: `${line("Y-NONE")}:has(.qty:contains("2"))`},
            lotStepIs(false, 3),

            // A recalled box scanned: refused, nothing added.
            scan_barcode(gs1Label("Y-RECALLED", 2)),
            Dialog.is({title: "Lot refused"}),
            {trigger: '.modal-body:contains("Recalled")'},
            Dialog.confirm(),
            ProductScreen.checkOrderlinesNumber(2),
            // The supplier's label: its lot code is found as the lot's supplier code.
            scan_barcode(gs1Label("SUP-LATE", 20)),
            lotLine("Y-LATE", "1"),
            {
                content:
                    "Y-LATE is marked down 20 %: the till applies it as the line's discount",
                trigger: `${line("Y-LATE")}:contains("20")`,
                run: () => {
                    const discount = window.posmodel
                        .get_order()
                        .get_selected_orderline().discount;
                    if (discount !== 20) {
                        throw new Error(`Y-LATE line discount is ${discount}, not 20`);
                    }
                },
            },
            ProductScreen.checkOrderlinesNumber(3),

            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            Chrome.isSyncStatusConnected(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt prints lot and expiry under the product",
                trigger:
                    '.pos-receipt .orderline:contains("Yogurt"):contains("Lot Y-SOON, expires")',
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
