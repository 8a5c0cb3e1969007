/**
 * GS1 on the device: GTIN forms and GS1 Digital Link URIs, read without the server (the till
 * scans offline too). Core's GS1 parser reads element strings only.
 */

/** GS1 check digit (mod 10, weights 3 and 1 from the right) of `digits`. */
function checkDigit(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        const weight = i % 2 === 0 ? 3 : 1;
        sum += Number(digits[digits.length - 1 - i]) * weight;
    }
    return (10 - (sum % 10)) % 10;
}

export function isValidGtin(code) {
    return (
        typeof code === "string" &&
        /^(\d{8}|\d{12,14})$/.test(code) &&
        checkDigit(code.slice(0, -1)) === Number(code.at(-1))
    );
}

/**
 * The barcodes a product carrying GTIN `code` may have: the same number with 8, 12, 13 or 14
 * digits (leading zeros), `code` first; none if it is not a valid GTIN. A label's GTIN-14
 * `09506000134352` is the EAN-13 `9506000134352` on the product.
 */
export function gtinForms(code) {
    if (!isValidGtin(code)) {
        return [];
    }
    const gtin = code.padStart(14, "0");
    const forms = [14, 13, 12, 8]
        .filter((size) => /^0*$/.test(gtin.slice(0, 14 - size)))
        .map((size) => gtin.slice(14 - size));
    return [code, ...forms.filter((form) => form !== code)];
}

// Digital Link path keys that qualify a GTIN, and the AIs the till reads from a URI.
const QUALIFIERS = new Set(["22", "10", "21"]);
// Types as core's GS1 nomenclature (and our AI 11 rule) name them.
const DATE_AIS = {
    11: "production_date",
    13: "pack_date",
    15: "use_date",
    17: "expiration_date",
};

export class DigitalLinkError extends Error {}

/** `YYMMDD` as a Date, with GS1's century rule and day 00 for the month's last day. */
function gs1Date(value, ai) {
    const match = /^(\d\d)(\d\d)(\d\d)$/.exec(value || "");
    const [yy, mm, dd] = match ? match.slice(1).map(Number) : [];
    if (!match || mm < 1 || mm > 12 || dd > 31) {
        throw new DigitalLinkError(`(${ai}) ${value} is not a date (YYMMDD)`);
    }
    const now = new Date().getFullYear();
    let century = Math.floor(now / 100);
    const diff = yy - (now % 100);
    if (diff >= 51) {
        century--;
    } else if (diff <= -50) {
        century++;
    }
    const year = century * 100 + yy;
    const lastDay = new Date(year, mm, 0).getDate();
    if (dd > lastDay) {
        throw new DigitalLinkError(`(${ai}) ${value} is not a date (YYMMDD)`);
    }
    return new Date(year, mm - 1, dd || lastDay);
}

function element(ai, type, code, value = code) {
    return {
        ai,
        type,
        code,
        base_code: code,
        string_value: code,
        value,
        encoding: "gs1-128",
    };
}

/**
 * A GS1 Digital Link URI (`https://id.gs1.org/01/<GTIN>/10/<lot>?17=YYMMDD`, any host and
 * path prefix) as core's GS1 parser returns an element string: product (AI 01), lot (10),
 * serial (21, a lot too for core) and dates (11, 13, 15, 17). `null` when `uri` is no
 * Digital Link of a GTIN; a DigitalLinkError when it is one that cannot be read.
 */
export function parseDigitalLink(uri) {
    if (typeof uri !== "string" || !/^https?:\/\//i.test(uri)) {
        return null;
    }
    let url;
    try {
        url = new URL(uri.trim());
    } catch {
        return null;
    }
    const segments = url.pathname.split("/").filter(Boolean);
    const start = segments.lastIndexOf("01");
    if (start < 0 || start === segments.length - 1) {
        return null;
    }
    const decode = (value) => {
        try {
            return decodeURIComponent(value);
        } catch {
            throw new DigitalLinkError(`${value} is not percent-encoded correctly`);
        }
    };
    const gtin = segments[start + 1];
    if (!isValidGtin(gtin)) {
        throw new DigitalLinkError(`(01) ${gtin} is not a valid GTIN`);
    }
    const gtin14 = gtin.padStart(14, "0");
    const elements = [element("01", "product", gtin14)];
    const rest = segments.slice(start + 2);
    for (let i = 0; i < rest.length; i += 2) {
        const [ai, value] = [rest[i], rest[i + 1]];
        if (!QUALIFIERS.has(ai) || value === undefined) {
            throw new DigitalLinkError(
                `/${rest.slice(i).join("/")} is not a GTIN qualifier`
            );
        }
        if (ai !== "22") {
            elements.push(element(ai, "lot", decode(value)));
        }
    }
    for (const [ai, value] of url.searchParams) {
        if (DATE_AIS[ai]) {
            elements.push(element(ai, DATE_AIS[ai], value, gs1Date(value, ai)));
        }
    }
    return elements;
}
