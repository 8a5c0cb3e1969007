import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { CharField, charField } from "@web/views/fields/char/char_field";

/**
 * The receipt's GS1 scan field: a scanner types the label and presses Enter, which saves the
 * receipt, so the label is processed at once (server side, by the field's inverse).
 */
export class LotTrackingScanField extends CharField {
    setup() {
        super.setup();
        useEffect(
            (input) => {
                if (!input) {
                    return;
                }
                const onKeydown = async (ev) => {
                    if (ev.key !== "Enter" || !input.value) {
                        return;
                    }
                    ev.preventDefault();
                    ev.stopPropagation();
                    const { record, name } = this.props;
                    await record.update({ [name]: input.value });
                    let saved = false;
                    try {
                        saved = await record.save();
                    } finally {
                        if (!saved) {
                            // refused (the error is shown): ready for the next scan
                            await record.update({ [name]: false });
                        }
                    }
                };
                input.addEventListener("keydown", onKeydown);
                return () => input.removeEventListener("keydown", onKeydown);
            },
            () => [this.input.el],
        );
    }
}

registry.category("fields").add("lot_tracking_scan", {
    ...charField,
    component: LotTrackingScanField,
});
