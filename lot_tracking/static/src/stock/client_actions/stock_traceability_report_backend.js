import {patch} from "@web/core/utils/patch";
import {TraceabilityReport} from "@stock/client_actions/stock_traceability_report_backend";

patch(TraceabilityReport.prototype, {
    /** The upstream/downstream traceability of a lot leads to its full lot trace. */
    get lotTrackingLotId() {
        return this.context.model === "stock.lot" ? this.context.active_id : false;
    },

    /** Shown on screen (its Print button gives the PDF): the user is reading a trace. */
    async onClickLotTrace() {
        const context = {
            active_ids: [this.lotTrackingLotId],
            active_model: "stock.lot",
        };
        const action = await this.actionService.loadAction(
            "lot_tracking.action_report_lot_trace",
            context
        );
        return this.actionService.doAction(
            {...action, report_type: "qweb-html", context},
            {additionalContext: context}
        );
    },
});
