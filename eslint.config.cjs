// ESLint for the add-on's JS: Odoo 18.0 ES modules (OWL components, patches, tours).
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
    js.configs.recommended,
    {
        files: ["**/*.js"],
        languageOptions: {
            ecmaVersion: 2024,
            sourceType: "module",
            globals: {...globals.browser, odoo: "readonly", owl: "readonly", luxon: "readonly"},
        },
        rules: {
            "no-console": "error",
            "no-debugger": "error",
            "no-eval": "error",
            "no-var": "error",
            "prefer-const": "error",
            eqeqeq: ["error", "always"],
            "no-unused-vars": ["error", {args: "none"}],
        },
    },
];
