import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {ConnectionLostError} from "@web/core/network/rpc";
import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {PosStore} from "@point_of_sale/app/store/pos_store";

const LOTS = "stock.lot";

/**
 * Lots: the lots in stock at the POS location are `stock.lot` records loaded with the session
 * (so the cashier works offline), completed by the answer of `get_existing_lots` each time a
 * product's lots are chosen online. A change of a lot's state, markdown or dates reaches the
 * till through the bus (`LOT_TRACKING_LOTS`) and applies at once; expiry is checked on the
 * device when it matters.
 */
patch(PosStore.prototype, {
    async setup() {
        await super.setup(...arguments);
        this.data.connectWebSocket("LOT_TRACKING_LOTS", (payload) =>
            this.lotTrackingOnLotsChanged(payload)
        );
    },

    /** Lots as the server sends them (loader, bus, lot check): created or updated. */
    lotTrackingLoadLots(rows) {
        return rows.length ? this.models.loadData({[LOTS]: rows})[LOTS] : [];
    },

    /** A manager changed lots (state, markdown, dates): the till follows without reloading. */
    lotTrackingOnLotsChanged(payload) {
        const lots = this.lotTrackingLoadLots(payload[LOTS] || []);
        const changed = new Set(lots.map((lot) => `${lot.product_id?.id}/${lot.name}`));
        const blocked = [];
        for (const line of this.models["pos.order.line"].getAll()) {
            const lotName = line.pack_lot_ids[0]?.lot_name;
            if (
                line.order_id?.finalized ||
                !changed.has(`${line.product_id?.id}/${lotName}`)
            ) {
                continue;
            }
            line.lotTrackingApplyMarkdown();
            if (line.lotTrackingReason()) {
                blocked.push(
                    _t("%(lot)s of %(product)s", {
                        lot: lotName,
                        product: line.product_id.display_name,
                    })
                );
            }
        }
        if (blocked.length) {
            this.notification.add(
                _t("%s may no longer be sold: choose another lot.", blocked.join(", ")),
                {type: "warning", sticky: true}
            );
        }
    },

    /** The loaded lots of `product`, first to expire first (no expiry last), then by name. */
    lotTrackingLots(product) {
        return lotTrackingFefo([...(product[`<-${LOTS}.product_id`] || [])]);
    },

    /**
     * The sellable lots of `product` at the POS location, fresh from the server (one call),
     * or the loaded ones offline. The server's answer updates the loaded lots.
     */
    async lotTrackingFetchLots(product) {
        let lots;
        try {
            lots = await this.data.call(
                "pos.order.line",
                "get_existing_lots",
                [this.company.id, product.id],
                {context: {config_id: this.config.id}}
            );
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
            return this.lotTrackingLots(product)
                .filter((lot) => lot.product_qty > 0 && !lot.lotTrackingReason())
                .map(({id, name, product_qty, expiration_date}) => ({
                    id,
                    name,
                    product_qty,
                    expiration_date,
                }));
        }
        const sellable = new Set(lots.map((lot) => lot.id));
        this.lotTrackingLoadLots([
            ...lots.map((lot) => ({
                ...lot,
                product_id: product.id,
                quality_state: "released",
                sale_block_reason: false,
            })),
            // Not offered any more: sold out here, or no longer sellable.
            ...this.lotTrackingLots(product)
                .filter((lot) => !sellable.has(lot.id) && lot.product_qty)
                .map((lot) => ({id: lot.id, product_qty: 0})),
        ]);
        return lots;
    },

    /** Quantity of lot `lotName` already on draft lines of this POS, `exceptLine` aside. */
    lotTrackingUsedQty(product, lotName, exceptLine = null) {
        return this.models["pos.pack.operation.lot"]
            .filter(
                (packLot) =>
                    packLot.lot_name === lotName &&
                    packLot.pos_order_line_id?.product_id?.id === product.id &&
                    packLot.pos_order_line_id?.order_id?.state === "draft" &&
                    packLot.pos_order_line_id !== exceptLine
            )
            .reduce(
                (total, packLot) => total + (packLot.pos_order_line_id.qty || 0),
                0
            );
    },

    /** Sellable lots that still have stock once draft lines are served, first to expire first. */
    lotTrackingAvailableLots(product, exceptLine = null) {
        return this.lotTrackingLots(product)
            .filter((lot) => !lot.lotTrackingReason())
            .map((lot) => ({
                lot,
                available:
                    lot.product_qty -
                    this.lotTrackingUsedQty(product, lot.name, exceptLine),
            }))
            .filter(({available}) => available > 0);
    },

    /**
     * The lot a typed or scanned `code` stands for (lot name or supplier's lot code) and why
     * it cannot be sold: `{lot, reason}`. Loaded lots answer at once; others ask the server.
     */
    async lotTrackingCheckLot(product, code, expirationDate = false) {
        const matches = this.lotTrackingLots(product).filter(
            (lot) => lot.name === code || lot.supplier_lot_code === code
        );
        const lot =
            matches.find((lot) => lot.name === code) ||
            matches.find(
                (lot) =>
                    expirationDate && lot.expiration_date?.startsWith(expirationDate)
            ) ||
            (!expirationDate &&
                (matches.find((l) => !l.lotTrackingReason()) || matches[0]));
        if (lot) {
            return {lot, reason: lot.lotTrackingReason()};
        }
        try {
            const result = await this.data.call(
                "pos.order.line",
                "lot_tracking_check_lot",
                [product.id, code, expirationDate],
                {context: {config_id: this.config.id}}
            );
            if (!result.lot) {
                return result;
            }
            const [known] = this.lotTrackingLoadLots([result.lot]);
            return {lot: known, reason: result.reason};
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

    /** Refuse a lot that may not be sold; tell the cashier why, once. */
    lotTrackingRefuse(product, code, reason) {
        this.sound?.play("error");
        this.dialog.add(AlertDialog, {
            title: _t("Lot refused"),
            body: _t(
                "%(lot)s of %(product)s cannot be sold: %(reason)s. Choose another lot.",
                {
                    lot: code,
                    product: product.display_name,
                    reason,
                }
            ),
        });
    },

    /**
     * The lot step of a lot-tracked product: the first-to-expire lot without asking, or core's
     * list (first to expire first) with typed lots checked. The result carries the step as
     * measured here (`lotTracking`: auto, ms, taps) to the line it is for.
     */
    async editLots(product, packLotLinesToEdit) {
        if (product.tracking !== "lot") {
            return await super.editLots(...arguments);
        }
        const start = performance.now();
        const lots = await this.lotTrackingFetchLots(product);
        const isNewLine = !packLotLinesToEdit.length; // the line icon always opens the list
        if (this.config.lot_tracking_auto_select && isNewLine) {
            const [first] = this.lotTrackingAvailableLots(product);
            if (first) {
                const step = {auto: true, ms: performance.now() - start, taps: 0};
                return {
                    newPackLotLines: [{lot_name: first.lot.name, lotTracking: step}],
                };
            }
        }
        // Core asks for the lots again: it gets the answer just had, without a second call.
        this.data.lotTrackingAnswerNextCall(
            "pos.order.line",
            "get_existing_lots",
            [this.company.id, product.id],
            lots
        );
        let taps = 0;
        const countTaps = (ev) => (taps = ev.detail.taps);
        this.env.bus.addEventListener("LOT_TRACKING:POPUP_CONFIRMED", countTaps);
        let result;
        try {
            result = await super.editLots(product, packLotLinesToEdit);
        } finally {
            this.env.bus.removeEventListener("LOT_TRACKING:POPUP_CONFIRMED", countTaps);
            this.data.lotTrackingAnswerNextCall();
        }
        if (!result) {
            return result;
        }
        result = await this.lotTrackingCheckPackLots(
            product,
            result,
            packLotLinesToEdit
        );
        if (result) {
            const step = {auto: false, ms: performance.now() - start, taps};
            result.lotTracking = step;
            result.newPackLotLines.forEach((packLot) => (packLot.lotTracking = step));
        }
        return result;
    },

    /**
     * Replace typed codes by the lots' names (a supplier code would create a phantom lot) and,
     * when the POS blocks unsellable lots, refuse those: a line keeps the lot it had, a new
     * line is not added. Null when nothing changes.
     */
    async lotTrackingCheckPackLots(product, result, packLotLinesToEdit) {
        const block = this.config.lot_tracking_block_ineligible;
        const before = Object.fromEntries(
            packLotLinesToEdit
                .filter((item) => item.id)
                .map((item) => [item.id, item.text])
        );
        const check = async (code) => {
            const {lot, reason} = await this.lotTrackingCheckLot(product, code);
            if (reason && block) {
                this.lotTrackingRefuse(product, code, reason);
                return false;
            }
            return lot ? lot.name : code;
        };
        let changed = false;
        const modified = {};
        for (const [id, code] of Object.entries(result.modifiedPackLotLines || {})) {
            const name = code === before[id] ? code : await check(code);
            modified[id] = name || before[id];
            changed ||= modified[id] !== before[id];
        }
        const added = [];
        for (const packLot of result.newPackLotLines || []) {
            const name = await check(packLot.lot_name);
            if (name) {
                added.push({...packLot, lot_name: name});
            }
        }
        const removed = Object.keys(before).some((id) => !(id in modified));
        if (!changed && !added.length && !removed) {
            return null; // nothing chosen, or refused: the line stays as it was
        }
        return {
            modifiedPackLotLines: modified,
            newPackLotLines: added,
            // A lot line keeps its quantity when its lot changes.
            setQuantity: false,
        };
    },

    /**
     * More on the line than its lot has: the rest goes to the next lots, first to expire first,
     * one line each. Returns the lines added.
     */
    async lotTrackingSplitLine(line) {
        const product = line.product_id;
        const lotName = line.pack_lot_ids[0]?.lot_name;
        if (
            product.tracking !== "lot" ||
            line.pack_lot_ids.length !== 1 ||
            line.qty <= 0
        ) {
            return [];
        }
        const lots = this.lotTrackingAvailableLots(product, line);
        const current = lots.find(({lot}) => lot.name === lotName);
        if (!current || line.qty <= current.available) {
            return [];
        }
        let rest = line.qty - current.available;
        line.set_quantity(current.available);
        const added = [];
        for (const {lot, available} of lots.filter(({lot}) => lot.name !== lotName)) {
            if (rest <= 0) {
                break;
            }
            const qty = Math.min(rest, available);
            const newLine = await this.addLineToOrder(
                {product_id: product, qty},
                line.order_id,
                {},
                false
            );
            newLine.setPackLotLines({
                modifiedPackLotLines: {},
                newPackLotLines: [{lot_name: lot.name}],
                setQuantity: false,
                lotTracking: {auto: true, ms: 0, taps: 0},
            });
            newLine.set_quantity(qty);
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
                qty: current.available,
                lot: lotName,
                next:
                    added.map((l) => l.pack_lot_ids[0].lot_name).join(", ") || lotName,
            }),
            {type: "warning"}
        );
        return added;
    },

    async pay() {
        // The moment of sale: a lot may have expired or been blocked since it was chosen.
        if (this.config.lot_tracking_block_ineligible) {
            for (const line of this.get_order()?.lines || []) {
                const reason = line.qty > 0 && line.lotTrackingReason();
                if (reason) {
                    this.lotTrackingRefuse(
                        line.product_id,
                        line.pack_lot_ids[0].lot_name,
                        reason
                    );
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
            a.name.localeCompare(b.name)
    );
}
