import {Component, useRef} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

// What the server says when it refuses a label (a clear message, not a crash).
const REFUSALS = ["odoo.exceptions.UserError", "odoo.exceptions.ValidationError"];

const SOUNDS = {
    success: "/point_of_sale/static/src/sounds/beep.mp3",
    warning: "/point_of_sale/static/src/sounds/notification.mp3",
    danger: "/barcodes/static/src/audio/error.mp3",
};

/**
 * The receipt's GS1 scan box. A scanner types the label and presses Enter: the label goes to
 * `stock.picking.lot_tracking_scan`, a notification and a sound say what happened (product,
 * lot, quantity, expiry, state, or why the label is refused), and only the move that changed is
 * read back, so a scan costs the same on a receipt of 5 or 500 lines. The box is not a field of
 * the receipt: scanning never leaves the form with unsaved changes.
 */
export class LotTrackingScan extends Component {
    static template = "lot_tracking.LotTrackingScan";
    static props = {record: Object, readonly: {type: Boolean, optional: true}};

    setup() {
        this.input = useRef("input");
        this.orm = useService("orm");
        this.notification = useService("notification");
    }

    async onKeydown(ev) {
        if (ev.key !== "Enter") {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        await this.scan();
    }

    async scan() {
        const barcode = this.input.el.value;
        if (!barcode.trim()) {
            return;
        }
        this.input.el.value = "";
        const record = this.props.record;
        if (record.isNew || record.dirty) {
            if (!(await record.save())) {
                return;
            }
        }
        let result;
        try {
            result = await this.orm.call("stock.picking", "lot_tracking_scan", [
                [record.resId],
                barcode,
            ]);
        } catch (error) {
            const message = error.data?.message || error.message;
            if (!REFUSALS.includes(error.exceptionName)) {
                throw error;
            }
            this.notify(message, "danger", _t("Label refused"));
            return;
        } finally {
            this.input.el?.focus();
        }
        this.notify(
            result.message,
            result.quality_state === "released" ? "success" : "warning"
        );
        await this.reloadMove(result.move_id);
    }

    notify(message, type, title = _t("Label scanned")) {
        this.notification.add(message, {title, type});
        new Audio(SOUNDS[type]).play().catch(() => {}); // no sound before a user gesture
    }

    /** Read back the move the label went to (the whole receipt only if it is not shown). */
    async reloadMove(moveId) {
        const record = this.props.record;
        const move = record.data.move_ids_without_package?.records.find(
            (r) => r.resId === moveId
        );
        await (move && !move.dirty ? move.load() : record.load());
    }
}

registry
    .category("view_widgets")
    .add("lot_tracking_scan", {component: LotTrackingScan});
