import {registry} from "@web/core/registry";
import {ConnectionLostError} from "@web/core/network/rpc";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {negate, scan_barcode} from "@point_of_sale/../tests/tours/utils/common";

// The yogurt's own barcode is this EAN-13; its GS1 labels carry it as a GTIN-14.
const EAN13 = "8712345000011";
const GTIN = `0${EAN13}`;

function yymmdd(days) {
    return luxon.DateTime.now().plus({days}).toFormat("yyMMdd");
}

function line(lot) {
    return `.order-container .orderline:has(.info-list li:contains("Lot ${lot}"))`;
}

/** The QR / DataMatrix code of GS1 Sunrise 2027: a GS1 Digital Link URI. */
function digitalLink(lotCode, days, gtin = GTIN) {
    return `https://id.gs1.org/01/${gtin}/10/${encodeURIComponent(lotCode)}?17=${yymmdd(days)}`;
}

function linesAre(expected) {
    return {
        content: `the order has ${expected.join(", ")}`,
        trigger: "body",
        run: () => {
            const lots = window.posmodel
                .get_order()
                .lines.map((l) => `${l.pack_lot_ids[0]?.lot_name} x${l.qty}`);
            if (JSON.stringify(lots) !== JSON.stringify(expected)) {
                throw new Error(`Lines: ${lots.join(", ")}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("lot_tracking_pos_gs1_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),

            // The supplier's GS1-128 label: GTIN-14 of the EAN-13 product, expiry, lot code.
            scan_barcode(`01${GTIN}17${yymmdd(20)}10SUP-LATE`),
            {trigger: `${line("Y-LATE")}:has(.qty:contains("1"))`},
            {trigger: negate(".o_notification:contains('Unknown Barcode')")},
            // The product's plain EAN-13 still scans (fallback nomenclature): first to expire.
            scan_barcode(EAN13),
            {trigger: `${line("Y-SOON")}:has(.qty:contains("1"))`},
            linesAre(["Y-LATE x1", "Y-SOON x1"]),

            // The same box's GS1 Digital Link (a QR code): product, lot and expiry from the URI.
            scan_barcode(digitalLink("SUP-LATE", 20)),
            linesAre(["Y-LATE x1", "Y-SOON x1", "Y-LATE x1"]),
            // Same checks as a GS1-128 label: a recalled lot is refused, nothing added.
            scan_barcode(digitalLink("Y-RECALLED", 2, EAN13)),
            Dialog.is({title: "Lot refused"}),
            {trigger: '.modal-body:contains("Y-RECALLED"):contains("Recalled")'},
            Dialog.confirm(),
            ProductScreen.checkOrderlinesNumber(3),

            // Offline: every server call fails; the Digital Link is read on the device.
            {
                content: "the till goes offline",
                trigger: "body",
                run: () => {
                    const data = window.posmodel.data;
                    data.lotTrackingOnline = data.execute;
                    data.execute = async () => {
                        throw new ConnectionLostError("/web/dataset/call_kw");
                    };
                },
            },
            scan_barcode(digitalLink("Y-NONE", 0)),
            {trigger: `${line("Y-NONE")}:has(.qty:contains("1"))`},
            scan_barcode(digitalLink("Y-EXPIRED", -1)),
            Dialog.is({title: "Lot refused"}),
            {trigger: '.modal-body:contains("Y-EXPIRED"):contains("Expired on")'},
            Dialog.confirm(),
            linesAre(["Y-LATE x1", "Y-SOON x1", "Y-LATE x1", "Y-NONE x1"]),
            {
                content: "the till is back online",
                trigger: "body",
                run: () => {
                    const data = window.posmodel.data;
                    data.execute = data.lotTrackingOnline;
                },
            },

            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            Chrome.isSyncStatusConnected(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
