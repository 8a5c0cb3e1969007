import {registry} from "@web/core/registry";

// The figures the data of tests/test_lots_dashboard.py gives, cell by cell.
const EXPECTED = {
    A4: 48 / 88, // nearing expiry, quantity
    B4: 192 / 272, // nearing expiry, value
    C4: 192, // projected expiry loss, next 30 days
    D4: 0.5, // stock accuracy
    E4: 0, // seconds saved at the till
    A8: "Honey", // fastest lot
    B8: "LOTS-FAST",
    C8: 2,
    A16: "Cheese", // stagnating lot
    B16: "LOTS-STALE",
    D16: 192,
    A24: "Fresh Fields Foods", // best vendor
    B24: 2,
    A32: "Fresh Fields Foods", // worst vendor
    H8: 0.3, // utilization of the products' category
};

/** The spreadsheet model of the open dashboard, found in the web client's component tree. */
function dashboardModel() {
    const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (nodes.length) {
        const node = nodes.pop();
        const model = node.component.state?.activeDashboard?.model;
        if (model) {
            return model;
        }
        nodes.push(...Object.values(node.children));
    }
}

function evaluated(model, xc) {
    const sheetId = model.getters.getActiveSheetId();
    return model.getters.getEvaluatedCell({sheetId, ...toPosition(xc)}).value;
}

function toPosition(xc) {
    const [, letters, digits] = xc.match(/^([A-Z]+)(\d+)$/);
    return {col: letters.charCodeAt(0) - 65, row: Number(digits) - 1};
}

function mismatches(model) {
    const wrong = [];
    for (const [xc, expected] of Object.entries(EXPECTED)) {
        const value = evaluated(model, xc);
        const same =
            typeof expected === "number"
                ? typeof value === "number" && Math.abs(value - expected) < 1e-6
                : value === expected;
        if (!same) {
            wrong.push(
                `${xc}: ${JSON.stringify(value)} instead of ${JSON.stringify(expected)}`
            );
        }
    }
    return wrong;
}

registry.category("web_tour.tours").add("spreadsheet_dashboard_lot_tracking_tour", {
    url: "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
    steps: () => [
        {
            content: "open the Lots dashboard",
            trigger: ".o_search_panel_category_value[data-name='Lots']",
            run: "click",
        },
        {
            content: "the dashboard is drawn",
            trigger: ".o_search_panel_category_value[data-name='Lots'].active",
        },
        {
            content: "its figures are the lots' figures",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer canvas",
            timeout: 60000, // a loaded test machine: the data may take a while
            run: async () => {
                const model = dashboardModel();
                if (!model) {
                    throw new Error("no dashboard is open");
                }
                let wrong = [];
                for (let attempt = 0; attempt < 500; attempt++) {
                    wrong = mismatches(model);
                    if (!wrong.length) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                throw new Error(`Wrong dashboard figures: ${wrong.join("; ")}`);
            },
        },
    ],
});
