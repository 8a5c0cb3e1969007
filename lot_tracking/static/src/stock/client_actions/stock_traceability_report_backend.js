import { patch } from "@web/core/utils/patch";
import { TraceabilityReport } from "@stock/client_actions/stock_traceability_report_backend";

patch(TraceabilityReport.prototype, {
    /** The upstream/downstream traceability of a lot leads to its full lot trace. */
    get lotTrackingLotId() {
        return this.context.model === "stock.lot" ? this.context.active_id : false;
    },

    onClickLotTrace() {
        return this.actionService.doAction("lot_tracking.action_report_lot_trace", {
            additionalContext: { active_ids: [this.lotTrackingLotId], active_model: "stock.lot" },
        });
    },
});
