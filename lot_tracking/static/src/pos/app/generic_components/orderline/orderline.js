import {patch} from "@web/core/utils/patch";
import {Orderline} from "@point_of_sale/app/generic_components/orderline/orderline";

patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {
                ...Orderline.props.line.shape,
                // Why the line's lot may no longer be sold (blocked, recalled, expired since).
                lotTrackingReason: {type: String, optional: true},
            },
        },
    },
});
