import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDate } from "@web/core/l10n/dates";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";

patch(PosOrderline.prototype, {
    /** The loaded lot named `lotName` of this line's product, if sellable and in stock. */
    lotTrackingLot(lotName) {
        return this.session._lot_tracking_lots?.[this.product_id.id]?.find(
            (lot) => lot.name === lotName,
        );
    },

    setPackLotLines() {
        const result = super.setPackLotLines(...arguments);
        this.lotTrackingApplyMarkdown();
        return result;
    },

    /** A slow-moving lot's markdown is the line's discount while that lot is on it. */
    lotTrackingApplyMarkdown() {
        const lotName = this.pack_lot_ids[0]?.lot_name;
        const markdown = (lotName && this.lotTrackingLot(lotName)?.markdown_percent) || 0;
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
        }
        return data;
    },
});
