import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { deserializeDateTime, formatDate } from "@web/core/l10n/dates";
import { PosStore } from "@point_of_sale/app/store/pos_store";

/**
 * Lots: the sellable lots of each lot-tracked product at the POS location, first to expire
 * first, are loaded with the session (`session._lot_tracking_lots`, so the cashier works
 * offline) and refreshed from `get_existing_lots` each time a product's lot is chosen online.
 * A change of a lot's state, markdown or dates reaches the till through the bus
 * (`LOT_TRACKING_LOTS`) and applies at once; expiry is checked on the device when it matters.
 */
patch(PosStore.prototype, {
    async setup() {
        await super.setup(...arguments);
        // The lot step of the line being added or edited: {auto, ms, clicks}.
        // `unsellable`: lots the server said may not be sold since the session loaded, by id.
        this.lotTracking = { selection: null, popupProductId: null, unsellable: {} };
        this.data.connectWebSocket("LOT_TRACKING_LOTS", (payload) =>
            this.lotTrackingOnLotsChanged(payload),
        );
    },

    /** A manager changed lots (state, markdown, dates): the till follows without reloading. */
    lotTrackingOnLotsChanged({ lots }) {
        this.session._lot_tracking_lots ||= {};
        const byProduct = this.session._lot_tracking_lots;
        for (const lot of lots) {
            const { product_id: productId, reason } = lot;
            const others = (byProduct[productId] || []).filter((l) => l.id !== lot.id);
            if (reason) {
                this.lotTracking.unsellable[lot.id] = lot;
            } else {
                delete this.lotTracking.unsellable[lot.id];
            }
            byProduct[productId] =
                !reason && lot.product_qty > 0 ? lotTrackingFefo([...others, lot]) : others;
        }
        const changed = new Set(lots.map((lot) => `${lot.product_id}/${lot.name}`));
        const blocked = [];
        for (const line of this.models["pos.order.line"].getAll()) {
            const lotName = line.pack_lot_ids[0]?.lot_name;
            if (line.order_id?.finalized || !changed.has(`${line.product_id?.id}/${lotName}`)) {
                continue;
            }
            line.lotTrackingApplyMarkdown();
            if (this.lotTrackingLotReason(line.product_id, lotName)) {
                blocked.push(
                    _t("%(lot)s of %(product)s", {
                        lot: lotName,
                        product: line.product_id.display_name,
                    }),
                );
            }
        }
        if (blocked.length) {
            this.notification.add(
                _t("%s may no longer be sold: choose another lot.", blocked.join(", ")),
                { type: "warning", sticky: true },
            );
        }
    },

    /**
     * Why `lot` may not be sold now, or false: what the server last said, and its expiry
     * checked on this device at this moment (lots expire during a session, even offline).
     */
    lotTrackingReason(lot) {
        const reason = this.lotTracking.unsellable[lot.id]?.reason;
        if (reason) {
            return reason;
        }
        const now = luxon.DateTime.now();
        const expiry = lot.expiration_date && deserializeDateTime(lot.expiration_date);
        if (expiry && expiry <= now) {
            return _t("Expired on %s", formatDate(expiry));
        }
        const removal = lot.removal_date && deserializeDateTime(lot.removal_date);
        if (removal && removal <= now) {
            return _t("Past its removal date (%s)", formatDate(removal));
        }
        return false;
    },

    /** Why the lot named `lotName` of `product` may not be sold now, or false. */
    lotTrackingLotReason(product, lotName) {
        const lot =
            this.lotTrackingLots(product).find((l) => l.name === lotName) ||
            this.lotTrackingUnsellable(product).find((l) => l.name === lotName);
        return lot ? this.lotTrackingReason(lot) : false;
    },

    lotTrackingUnsellable(product) {
        return Object.values(this.lotTracking.unsellable).filter(
            (lot) => lot.product_id === product.id,
        );
    },

    lotTrackingLots(product) {
        return this.session._lot_tracking_lots?.[product.id] || [];
    },

    async lotTrackingRefreshLots(product) {
        try {
            const lots = await this.data.call(
                "pos.order.line",
                "get_existing_lots",
                [this.company.id, product.id],
                { context: { config_id: this.config.id } },
            );
            this.session._lot_tracking_lots ||= {};
            this.session._lot_tracking_lots[product.id] = lots;
            for (const lot of lots) {
                delete this.lotTracking.unsellable[lot.id];
            }
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
        }
        return this.lotTrackingLots(product);
    },

    /** Quantity of lot `lotName` already on draft lines of this POS, `exceptLine` aside. */
    lotTrackingUsedQty(product, lotName, exceptLine = null) {
        return this.models["pos.pack.operation.lot"]
            .filter(
                (packLot) =>
                    packLot.lot_name === lotName &&
                    packLot.pos_order_line_id?.product_id?.id === product.id &&
                    packLot.pos_order_line_id?.order_id?.state === "draft" &&
                    packLot.pos_order_line_id !== exceptLine,
            )
            .reduce((total, packLot) => total + (packLot.pos_order_line_id.qty || 0), 0);
    },

    /** Sellable lots that still have stock once draft lines are served, first to expire first. */
    lotTrackingAvailableLots(product, exceptLine = null) {
        return this.lotTrackingLots(product)
            .filter((lot) => !this.lotTrackingReason(lot))
            .map((lot) => ({
                ...lot,
                available: lot.product_qty - this.lotTrackingUsedQty(product, lot.name, exceptLine),
            }))
            .filter((lot) => lot.available > 0);
    },

    /**
     * The lot a typed or scanned `code` stands for (lot name or supplier's lot code) and why
     * it cannot be sold: `{lot, reason}`. Loaded lots answer at once; others ask the server.
     */
    async lotTrackingCheckLot(product, code, expirationDate = false) {
        // Loaded lots, then the ones the server has since said may not be sold.
        for (const known of [this.lotTrackingLots(product), this.lotTrackingUnsellable(product)]) {
            const matches = known.filter(
                (lot) => lot.name === code || lot.supplier_lot_code === code,
            );
            const lot =
                matches.find((lot) => lot.name === code) ||
                matches.find(
                    (lot) => expirationDate && lot.expiration_date?.startsWith(expirationDate),
                ) ||
                (!expirationDate && matches[0]);
            if (lot) {
                return { lot, reason: this.lotTrackingReason(lot) };
            }
        }
        try {
            const result = await this.data.call(
                "pos.order.line",
                "lot_tracking_check_lot",
                [product.id, code, expirationDate],
                { context: { config_id: this.config.id } },
            );
            if (result.lot && !result.reason && result.lot.product_qty > 0) {
                const lots = this.lotTrackingLots(product).filter((l) => l.id !== result.lot.id);
                this.session._lot_tracking_lots ||= {};
                this.session._lot_tracking_lots[product.id] = lotTrackingFefo([
                    ...lots,
                    { ...result.lot, product_id: product.id },
                ]);
            }
            return result;
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
            return {
                lot: false,
                reason: _t("Unknown lot %s (it cannot be checked offline)", code),
            };
        }
    },

    /** Refuse a lot that may not be sold; tell the cashier why. */
    lotTrackingRefuse(product, code, reason) {
        this.sound?.play("error");
        this.dialog.add(AlertDialog, {
            title: _t("Lot refused"),
            body: _t("%(lot)s of %(product)s cannot be sold: %(reason)s. Choose another lot.", {
                lot: code,
                product: product.display_name,
                reason,
            }),
        });
    },

    async editLots(product, packLotLinesToEdit) {
        if (product.tracking === "none") {
            return await super.editLots(...arguments);
        }
        const start = performance.now();
        let clicks = 0;
        const countClick = () => clicks++;
        await this.lotTrackingRefreshLots(product);
        const isNewLine = !packLotLinesToEdit.length; // the line icon always opens the list
        if (this.config.lot_tracking_auto_select && product.tracking === "lot" && isNewLine) {
            const lot = this.lotTrackingAvailableLots(product)[0];
            if (lot) {
                this.lotTracking.selection = { auto: true, ms: performance.now() - start, clicks };
                return { modifiedPackLotLines: {}, newPackLotLines: [{ lot_name: lot.name }] };
            }
        }
        // The list opens on all lots (first to expire first), not only on the current one.
        const toEdit =
            product.tracking === "lot"
                ? packLotLinesToEdit.map((item) => ({ ...item, text: "" }))
                : packLotLinesToEdit;
        document.addEventListener("click", countClick, true);
        this.lotTracking.popupProductId = product.id;
        let result;
        try {
            result = await super.editLots(product, toEdit);
        } finally {
            document.removeEventListener("click", countClick, true);
            this.lotTracking.popupProductId = null;
        }
        if (!result) {
            return result;
        }
        if (
            product.tracking === "lot" &&
            !result.newPackLotLines.length &&
            !Object.keys(result.modifiedPackLotLines).length
        ) {
            return null; // nothing chosen: the line keeps its lot
        }
        result = await this.lotTrackingCheckPackLots(product, result);
        if (result) {
            const ms = performance.now() - start;
            this.lotTracking.selection = { auto: false, ms, clicks, refused: result.refused };
        }
        return result;
    },

    /**
     * Replace typed codes by the lots' names (a supplier code would create a phantom lot) and,
     * when the POS blocks unsellable lots, drop refused ones: the line keeps no lot.
     */
    async lotTrackingCheckPackLots(product, { modifiedPackLotLines, newPackLotLines }) {
        const block = this.config.lot_tracking_block_ineligible;
        const check = async (code) => {
            const { lot, reason } = await this.lotTrackingCheckLot(product, code);
            if (reason && block) {
                this.lotTrackingRefuse(product, code, reason);
                return false;
            }
            return lot ? lot.name : code;
        };
        const modified = {};
        for (const [id, code] of Object.entries(modifiedPackLotLines)) {
            const name = await check(code);
            if (name) {
                modified[id] = name;
            }
        }
        const added = [];
        for (const packLot of newPackLotLines) {
            const name = await check(packLot.lot_name);
            if (name) {
                added.push({ ...packLot, lot_name: name });
            }
        }
        const refused =
            Object.keys(modified).length < Object.keys(modifiedPackLotLines).length ||
            added.length < newPackLotLines.length;
        if (refused && !Object.keys(modifiedPackLotLines).length && !added.length) {
            return null; // a new line with a refused lot is not added
        }
        return {
            modifiedPackLotLines: modified,
            newPackLotLines: added,
            // A lot line keeps its quantity when its lot changes.
            setQuantity: product.tracking !== "lot",
            refused,
        };
    },

    /** Put the measured lot step on the line it chose the lot for. */
    lotTrackingApplySelection(line, { openedFromLine = false } = {}) {
        const selection = this.lotTracking.selection;
        if (!selection) {
            return;
        }
        this.lotTracking.selection = null;
        selection.clicks += openedFromLine ? 1 : 0; // the tap on the line's lot icon
        line.uiState.lotTrackingRefused = Boolean(selection.refused) && !line.pack_lot_ids.length;
        line.update({
            lot_auto_selected: selection.auto,
            lot_selection_ms: Math.round(selection.ms),
        });
        this.lotTracking.lastSelection = selection;
    },

    async addLineToOrder(vals, order, opts = {}, configure = true) {
        const line = await super.addLineToOrder(...arguments);
        if (line && line.product_id.tracking !== "none") {
            this.lotTrackingApplySelection(line);
        }
        return line;
    },

    /**
     * More on the line than its lot has: the rest goes to the next lots, first to expire first,
     * one line each. Returns the lines added.
     */
    async lotTrackingSplitLine(line) {
        const product = line.product_id;
        const lotName = line.pack_lot_ids[0]?.lot_name;
        if (product.tracking !== "lot" || line.pack_lot_ids.length !== 1 || line.qty <= 0) {
            return [];
        }
        const lots = this.lotTrackingAvailableLots(product, line);
        const lot = lots.find((l) => l.name === lotName);
        if (!lot || line.qty <= lot.available) {
            return [];
        }
        let rest = line.qty - lot.available;
        line.set_quantity(lot.available);
        const added = [];
        for (const next of lots.filter((l) => l.name !== lotName)) {
            if (rest <= 0) {
                break;
            }
            const qty = Math.min(rest, next.available);
            const newLine = await this.addLineToOrder(
                { product_id: product, qty },
                line.order_id,
                {},
                false,
            );
            newLine.setPackLotLines({
                modifiedPackLotLines: {},
                newPackLotLines: [{ lot_name: next.name }],
                setQuantity: false,
            });
            newLine.set_quantity(qty);
            newLine.update({ lot_auto_selected: true, lot_selection_ms: 0 });
            added.push(newLine);
            rest -= qty;
        }
        if (rest > 0) {
            // No other lot in stock: the last line takes the rest.
            const last = added.at(-1) || line;
            last.set_quantity(last.qty + rest);
        }
        line.order_id.select_orderline(line);
        this.notification.add(
            _t("Only %(qty)s left in lot %(lot)s: the rest is taken from %(next)s.", {
                qty: lot.available,
                lot: lotName,
                next: added.map((l) => l.pack_lot_ids[0].lot_name).join(", ") || lotName,
            }),
            { type: "warning" },
        );
        return added;
    },

    async pay() {
        const order = this.get_order();
        const refused = order?.lines.find(
            (line) => line.uiState.lotTrackingRefused && !line.has_valid_product_lot(),
        );
        if (refused && this.config.lot_tracking_block_ineligible) {
            this.dialog.add(AlertDialog, {
                title: _t("Lot refused"),
                body: _t(
                    "Choose a sellable lot for %s before payment.",
                    refused.product_id.display_name,
                ),
            });
            return;
        }
        // The moment of sale: a lot may have expired or been blocked since it was chosen.
        if (this.config.lot_tracking_block_ineligible) {
            for (const line of order?.lines || []) {
                const lotName = line.pack_lot_ids[0]?.lot_name;
                const reason =
                    lotName && line.qty > 0 && this.lotTrackingLotReason(line.product_id, lotName);
                if (reason) {
                    this.lotTrackingRefuse(line.product_id, lotName, reason);
                    return;
                }
            }
        }
        return await super.pay(...arguments);
    },
});

/** Lots first to expire first, no expiry last, then by name. */
function lotTrackingFefo(lots) {
    return lots.sort(
        (a, b) =>
            (a.expiration_date || "9999").localeCompare(b.expiration_date || "9999") ||
            a.name.localeCompare(b.name),
    );
}
