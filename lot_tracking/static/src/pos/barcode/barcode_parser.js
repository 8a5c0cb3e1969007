import {patch} from "@web/core/utils/patch";
import {BarcodeParser} from "@barcodes/js/barcode_parser";
import {DigitalLinkError, parseDigitalLink} from "@lot_tracking/pos/barcode/gs1";

patch(BarcodeParser.prototype, {
    /**
     * A GS1 Digital Link URI (the QR / DataMatrix codes of GS1 Sunrise 2027) reads as the GS1
     * element string it stands for, whatever the nomenclature: the till's GS1 handling applies.
     */
    parse_barcode(barcode) {
        let elements;
        try {
            elements = parseDigitalLink(barcode);
        } catch (error) {
            if (!(error instanceof DigitalLinkError)) {
                throw error;
            }
            return {
                encoding: "",
                type: "error",
                code: barcode,
                base_code: barcode,
                value: 0,
            };
        }
        return elements || super.parse_barcode(...arguments);
    },
});
