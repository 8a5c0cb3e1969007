import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {deserializeDateTime, formatDate} from "@web/core/l10n/dates";
import {formatFloat} from "@web/core/utils/numbers";
import {usePos} from "@point_of_sale/app/store/pos_hook";
import {EditListInput} from "@point_of_sale/app/store/select_lot_popup/edit_list_input/edit_list_input";

patch(EditListInput, {
    props: {
        ...EditListInput.props,
        untouched: {type: Boolean, optional: true},
        productName: {type: String, optional: true},
    },
});

patch(EditListInput.prototype, {
    setup() {
        super.setup(...arguments);
        this.pos = usePos();
    },

    /** A line's current lot in the input: all the other lots are offered, not only matches. */
    get displayedOptions() {
        return this.props.untouched ? this.props.getOptions() : super.displayedOptions;
    },

    /**
     * Core says "No existing serial/lot number matching" for a code it does not list; where
     * typed lots are checked, the check on Ok says what is wrong with it, once.
     */
    get lotTrackingHideNoMatch() {
        return (
            this.pos.config.lot_tracking_block_ineligible &&
            Boolean(this.props.item.text)
        );
    },

    /** Expiry and quantity of the lot offered as `option` (the list is first to expire first). */
    lotTrackingLabel(option) {
        const lot = this.pos.models["stock.lot"]?.find(
            (l) =>
                l.name === option &&
                l.product_id?.display_name === this.props.productName
        );
        if (!lot) {
            return "";
        }
        const qty = formatFloat(lot.product_qty, {trailingZeros: false});
        return lot.expiration_date
            ? _t("expires %(date)s, %(qty)s in stock", {
                  date: formatDate(deserializeDateTime(lot.expiration_date)),
                  qty,
              })
            : _t("no expiry, %(qty)s in stock", {qty});
    },
});
