import {registry} from "@web/core/registry";
import {_t} from "@web/core/l10n/translation";
import {deserializeDateTime, formatDate} from "@web/core/l10n/dates";
import {Base} from "@point_of_sale/app/models/related_models";

/**
 * A lot as the till knows it (`stock.lot._load_pos_data`): `product_qty` is the quantity at
 * the POS location, `sale_block_reason` what the server last said against selling it.
 */
export class StockLot extends Base {
    static pythonModel = "stock.lot";

    /**
     * Why this lot may not be sold now, or false: what the server last said, and its expiry
     * checked on this device at this moment (lots expire during a session, even offline).
     */
    lotTrackingReason() {
        if (this.sale_block_reason) {
            return this.sale_block_reason;
        }
        const now = luxon.DateTime.now();
        const expiry =
            this.expiration_date && deserializeDateTime(this.expiration_date);
        if (expiry && expiry <= now) {
            return _t("Expired on %s", formatDate(expiry));
        }
        const removal = this.removal_date && deserializeDateTime(this.removal_date);
        if (removal && removal <= now) {
            return _t("Past its removal date (%s)", formatDate(removal));
        }
        return false;
    }
}

registry.category("pos_available_models").add(StockLot.pythonModel, StockLot);
