import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {deserializeDateTime, formatDate} from "@web/core/l10n/dates";
import {PosOrderline} from "@point_of_sale/app/models/pos_order_line";

patch(PosOrderline.prototype, {
    /** The loaded lot named `lotName` (by default this line's) of this line's product. */
    lotTrackingLot(lotName = this.pack_lot_ids[0]?.lot_name) {
        return lotName
            ? this.product_id?.["<-stock.lot.product_id"]?.find(
                  (lot) => lot.name === lotName
              )
            : undefined;
    },

    /** Why this line's lot may not be sold now, or false (only while the order is open). */
    lotTrackingReason() {
        const lot = this.lotTrackingLot();
        return Boolean(lot && !this.order_id?.finalized) && lot.lotTrackingReason();
    },

    /**
     * `lotTracking` (from `editLots`, on the call or on the new pack lot) is the lot step the
     * till measured for this line: pre-selected or chosen, how long, how many taps.
     */
    setPackLotLines({newPackLotLines = [], lotTracking}) {
        const result = super.setPackLotLines(...arguments);
        const step =
            lotTracking ||
            newPackLotLines.find((packLot) => packLot.lotTracking)?.lotTracking;
        if (step) {
            this.lotTrackingSetStep(step);
        }
        this.lotTrackingApplyMarkdown();
        return result;
    },

    /** Called from the line's lot icon: that tap is part of the lot step. */
    async editPackLotLines(editedPackLotLines) {
        if (editedPackLotLines?.lotTracking) {
            editedPackLotLines.lotTracking.taps += 1;
        }
        return await super.editPackLotLines(...arguments);
    },

    lotTrackingSetStep(step) {
        this.uiState.lotTrackingStep = step;
        this.update({
            lot_auto_selected: step.auto,
            lot_selection_ms: Math.round(step.ms),
        });
    },

    /** A slow-moving lot's markdown is the line's discount while that lot is on it. */
    lotTrackingApplyMarkdown() {
        const markdown = this.lotTrackingLot()?.markdown_percent || 0;
        if (markdown) {
            this.set_discount(markdown);
        } else if (this.uiState.lotTrackingMarkdown) {
            this.set_discount(0);
        }
        this.uiState.lotTrackingMarkdown = markdown;
    },

    getDisplayData() {
        const data = super.getDisplayData();
        if (this.product_id.tracking === "lot") {
            // Lot and expiry under the product, on screen and on the receipt.
            data.packLotLines = this.pack_lot_ids.map((packLot) => {
                const expiry = this.lotTrackingLot(packLot.lot_name)?.expiration_date;
                return expiry
                    ? _t("Lot %(lot)s, expires %(date)s", {
                          lot: packLot.lot_name,
                          date: formatDate(deserializeDateTime(expiry)),
                      })
                    : _t("Lot %s", packLot.lot_name);
            });
            const reason = this.lotTrackingReason();
            if (reason) {
                data.lotTrackingReason = _t("May not be sold: %s", reason);
            }
        }
        return data;
    },
});
