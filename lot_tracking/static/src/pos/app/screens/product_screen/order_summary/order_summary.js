import {patch} from "@web/core/utils/patch";
import {OrderSummary} from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";

patch(OrderSummary.prototype, {
    _setValue(val) {
        const line = this.currentOrder.get_selected_orderline();
        super._setValue(...arguments);
        if (line && val !== "remove" && this.pos.numpadMode === "quantity") {
            this.pos.lotTrackingSplitLine(line).then((added) => {
                if (added.length) {
                    this.numberBuffer.reset();
                }
            });
        }
    },
});
