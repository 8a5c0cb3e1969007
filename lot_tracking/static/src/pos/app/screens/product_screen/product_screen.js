import {patch} from "@web/core/utils/patch";
import {serializeDate} from "@web/core/l10n/dates";
import {ProductScreen} from "@point_of_sale/app/screens/product_screen/product_screen";
import {gtinForms} from "@lot_tracking/pos/barcode/gs1";

patch(ProductScreen.prototype, {
    /**
     * A GS1 label carries the product's EAN-13 / UPC-A / EAN-8 as a GTIN-14 with leading zeros
     * (and a product may hold its GTIN-14): the same number with other leading zeros finds the
     * product among the loaded ones, before core asks the server (which does the same).
     */
    async _getProductByBarcode(code) {
        const products = this.pos.models["product.product"];
        for (const form of gtinForms(code.base_code)) {
            const product = products.getBy("barcode", form);
            if (product) {
                return product;
            }
        }
        return await super._getProductByBarcode(...arguments);
    },

    /**
     * A supplier's GS1 label (element string or Digital Link) carries the supplier's lot code
     * (AI 10) and expiry (AI 17): find the lot they stand for and put its name on the line, or
     * refuse it.
     */
    async _barcodeGS1Action(parsed_results) {
        const lotBarcode = parsed_results.find((element) => element.type === "lot");
        const productBarcode = parsed_results.find(
            (element) => element.type === "product"
        );
        const product = lotBarcode && (await this._getProductByBarcode(productBarcode));
        if (!product || product.tracking === "none") {
            return await super._barcodeGS1Action(...arguments);
        }
        const start = performance.now();
        const expiry = parsed_results.find(
            (element) => element.type === "expiration_date"
        );
        const expirationDate = expiry
            ? serializeDate(luxon.DateTime.fromJSDate(expiry.value))
            : false;
        const {lot, reason} = await this.pos.lotTrackingCheckLot(
            product,
            lotBarcode.code,
            expirationDate
        );
        if (reason && this.pos.config.lot_tracking_block_ineligible) {
            this.pos.lotTrackingRefuse(product, lotBarcode.code, reason);
            return;
        }
        const code = {...lotBarcode, code: lot ? lot.name : lotBarcode.code};
        const line = await this.pos.addLineToCurrentOrder(
            {product_id: product},
            {code}
        );
        line?.lotTrackingSetStep({auto: false, ms: performance.now() - start, taps: 0});
        this.numberBuffer.reset();
    },
});
