import {patch} from "@web/core/utils/patch";
import {useEffect} from "@odoo/owl";
import {EditListPopup} from "@point_of_sale/app/store/select_lot_popup/select_lot_popup";

patch(EditListPopup.prototype, {
    setup() {
        super.setup(...arguments);
        // The taps of the lot step: every tap in this dialog, its Ok included.
        this.lotTrackingTaps = 0;
        useEffect(
            (dialog) => {
                const count = () => this.lotTrackingTaps++;
                dialog?.addEventListener("click", count, true);
                return () => dialog?.removeEventListener("click", count, true);
            },
            () => [this.editListRef.el?.closest(".modal-content")]
        );
    },

    /** The items as they were when the list opened: a line's current lot is untouched. */
    lotTrackingUntouched(item) {
        return (
            Boolean(item.id) &&
            this.props.array.some((i) => i.id === item.id && i.text === item.text)
        );
    },

    /** A line's current lot is in the input, and the other lots are offered under it. */
    shouldShowOptionsForItem(item) {
        return (
            super.shouldShowOptionsForItem(...arguments) ||
            (item._id === this.state.selectedItemId && this.lotTrackingUntouched(item))
        );
    },

    confirm() {
        // editLots, which opened this list, hears how many taps it took.
        this.env.bus.trigger("LOT_TRACKING:POPUP_CONFIRMED", {
            taps: this.lotTrackingTaps,
        });
        return super.confirm(...arguments);
    },
});
