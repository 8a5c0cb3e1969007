import {patch} from "@web/core/utils/patch";
import {PosData} from "@point_of_sale/app/models/data_service";

patch(PosData.prototype, {
    /**
     * Answer the next `call` of `method` on `model` with these `args` with `result`, without
     * asking the server: the lot popup's lots were just fetched (or, offline, are the loaded
     * ones), and core's `editLots` would fetch them a second time.
     */
    lotTrackingAnswerNextCall(model, method, args, result) {
        this.lotTrackingAnswer = result && {
            key: JSON.stringify([model, method, args]),
            result,
        };
    },

    async call(model, method, args = []) {
        const answer = this.lotTrackingAnswer;
        if (answer && answer.key === JSON.stringify([model, method, args])) {
            this.lotTrackingAnswer = null;
            return answer.result;
        }
        return await super.call(...arguments);
    },
});
