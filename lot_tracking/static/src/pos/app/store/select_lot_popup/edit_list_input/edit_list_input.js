import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDate } from "@web/core/l10n/dates";
import { formatFloat } from "@web/core/utils/numbers";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { EditListInput } from "@point_of_sale/app/store/select_lot_popup/edit_list_input/edit_list_input";

patch(EditListInput.prototype, {
    setup() {
        super.setup(...arguments);
        this.pos = usePos();
    },

    /** Expiry and quantity of the lot offered as `option` (the list is first to expire first). */
    lotTrackingLabel(option) {
        const productId = this.pos.lotTracking?.popupProductId;
        const lot =
            productId &&
            this.pos.session._lot_tracking_lots?.[productId]?.find((l) => l.name === option);
        if (!lot) {
            return "";
        }
        const qty = formatFloat(lot.product_qty, { trailingZeros: false });
        return lot.expiration_date
            ? _t("expires %(date)s, %(qty)s in stock", {
                  date: formatDate(deserializeDateTime(lot.expiration_date)),
                  qty,
              })
            : _t("no expiry, %(qty)s in stock", { qty });
    },
});
