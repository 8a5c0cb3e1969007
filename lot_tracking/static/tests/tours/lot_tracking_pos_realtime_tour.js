import {registry} from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import {negate, scan_barcode} from "@point_of_sale/../tests/tours/utils/common";

const GTIN = "08712345000011";
const CHANNEL = "LOT_TRACKING_LOTS";
const BLOCKED_REASON = '.lot-tracking-reason:contains("May not be sold: Blocked")';

/** The bus message the server sent when a manager blocked Y-SOON (given by the test). */
function busMessage() {
    return JSON.parse(
        new URLSearchParams(window.location.search).get("lot_tracking_message")
    );
}

function line(lot) {
    return `.order-container .orderline:has(.info-list li:contains("Lot ${lot}"))`;
}

function gs1Label(lotCode, days) {
    const date = luxon.DateTime.now().plus({days}).toFormat("yyMMdd");
    return `01${GTIN}17${date}10${lotCode}`;
}

function refused(lot, reason) {
    return [
        Dialog.is({title: "Lot refused"}),
        {
            content: `${lot} refused: ${reason}`,
            trigger: `.modal-body:contains("${lot}"):contains("cannot be sold: ${reason}")`,
        },
        Dialog.confirm(),
    ];
}

registry.category("web_tour.tours").add("lot_tracking_pos_realtime_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "mark this page: it must not reload",
                trigger: "body",
                run: () => {
                    window.lotTrackingSamePage = true;
                },
            },
            // Y-SOON, first to expire, is pre-selected.
            ProductScreen.clickDisplayedProduct("Yogurt"),
            {trigger: `${line("Y-SOON")}:has(.qty:contains("1"))`},

            // A manager blocks Y-SOON in the back office…
            {
                content: "a manager blocks Y-SOON (state wizard)",
                trigger: "body",
                run: async () => {
                    const orm = window.posmodel.env.services.orm;
                    const lotId = busMessage().payload["stock.lot"][0].id;
                    const [wizardId] = await orm.create("lot.tracking.quality.wizard", [
                        {
                            lot_ids: [[6, 0, [lotId]]],
                            new_state: "blocked",
                            reason: "Lab",
                        },
                    ]);
                    await orm.call("lot.tracking.quality.wizard", "action_apply", [
                        [wizardId],
                    ]);
                },
            },
            // … and the bus brings the server's message to this till (websockets are off
            // under tests: the tour hands it to the handler `connectWebSocket` registered).
            {
                content: "the bus delivers the server's LOT_TRACKING_LOTS message",
                trigger: "body",
                run: () => {
                    const message = busMessage();
                    if (message.type !== `${odoo.access_token}-${CHANNEL}`) {
                        throw new Error(`Not this POS's notification: ${message.type}`);
                    }
                    const {method} = window.posmodel.data.channels.find(
                        ({channel}) => channel === CHANNEL
                    );
                    method(message.payload);
                },
            },
            {
                content:
                    "the cashier is told the lot on the order may no longer be sold",
                trigger:
                    '.o_notification:contains("Y-SOON of Yogurt may no longer be sold")',
            },
            {
                content: "the line of the blocked lot looks different, with the reason",
                trigger: `${line("Y-SOON")}.lot-tracking-blocked ${BLOCKED_REASON}`,
            },

            // Scanned: refused at once, without asking the server.
            scan_barcode(gs1Label("Y-SOON", 5)),
            refused("Y-SOON", "Blocked"),
            ProductScreen.checkOrderlinesNumber(1),
            // Pre-selected: the next lot to expire.
            ProductScreen.clickDisplayedProduct("Yogurt"),
            {trigger: `${line("Y-LATE")}:has(.qty:contains("1"))`},
            ProductScreen.checkOrderlinesNumber(2),
            {trigger: negate(`${line("Y-LATE")}.lot-tracking-blocked`)},
            // Typed: refused, the line keeps its lot; the list no longer offers it.
            {trigger: `${line("Y-LATE")} .line-lot-icon`, run: "click"},
            {trigger: '.options-dropdown .option:eq(0):contains("Y-NONE")'},
            {trigger: negate('.options-dropdown .option:contains("Y-SOON")')},
            {trigger: ".list-line-input", run: "edit Y-SOON"},
            Dialog.confirm("Ok"),
            refused("Y-SOON", "Blocked"),
            {
                trigger: `${line("Y-LATE")}:has(.qty:contains("1")) .line-lot-icon.text-success`,
            },
            ProductScreen.checkOrderlinesNumber(2),
            // Paying with the blocked lot on the order: refused.
            ProductScreen.clickPayButton(false),
            refused("Y-SOON", "Blocked"),

            // Three weeks later on this device (no server involved): Y-LATE has expired.
            {
                content: "the device's clock moves 21 days on",
                trigger: "body",
                run: () => {
                    const now = luxon.DateTime.now().plus({days: 21}).toMillis();
                    luxon.DateTime.now = () => luxon.DateTime.fromMillis(now);
                },
            },
            ProductScreen.clickDisplayedProduct("Yogurt"),
            {trigger: `${line("Y-NONE")}:has(.qty:contains("1"))`},
            {trigger: line("Y-SOON"), run: "click"},
            {trigger: `${line("Y-SOON")}.selected`},
            ProductScreen.clickNumpad("⌫"),
            ProductScreen.clickNumpad("⌫"),
            {trigger: negate(line("Y-SOON"))},
            ProductScreen.checkOrderlinesNumber(2),
            ProductScreen.clickPayButton(false),
            refused("Y-LATE", "Expired on"),
            {
                content: "all of it on the page loaded at the start",
                trigger: "body",
                run: () => {
                    if (!window.lotTrackingSamePage) {
                        throw new Error("The Point of Sale reloaded");
                    }
                },
            },
        ].flat(),
});
