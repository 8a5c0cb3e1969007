import { patch } from "@web/core/utils/patch";
import { serializeDate } from "@web/core/l10n/dates";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";

patch(ProductScreen.prototype, {
    /**
     * A supplier's GS1 label carries the supplier's lot code (AI 10) and expiry (AI 17): find
     * the lot they stand for and put its name on the line, or refuse it.
     */
    async _barcodeGS1Action(parsed_results) {
        const lotBarcode = parsed_results.find((element) => element.type === "lot");
        const productBarcode = parsed_results.find((element) => element.type === "product");
        const product = lotBarcode && (await this._getProductByBarcode(productBarcode));
        if (!product || product.tracking === "none") {
            return await super._barcodeGS1Action(...arguments);
        }
        const start = performance.now();
        const expiry = parsed_results.find((element) => element.type === "expiration_date");
        const expirationDate = expiry
            ? serializeDate(luxon.DateTime.fromJSDate(expiry.value))
            : false;
        const { lot, reason } = await this.pos.lotTrackingCheckLot(
            product,
            lotBarcode.code,
            expirationDate,
        );
        if (reason && this.pos.config.lot_tracking_block_ineligible) {
            this.pos.lotTrackingRefuse(product, lotBarcode.code, reason);
            return;
        }
        const code = { ...lotBarcode, code: lot ? lot.name : lotBarcode.code };
        this.pos.lotTracking.selection = { auto: false, ms: performance.now() - start, clicks: 0 };
        await this.pos.addLineToCurrentOrder({ product_id: product }, { code });
        this.numberBuffer.reset();
    },
});
