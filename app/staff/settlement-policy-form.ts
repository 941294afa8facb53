import {
  ANY,
  SETTLEMENT_PRODUCTS,
  settlementPolicySchema,
  type SettlementPolicy,
} from "../domain/settlement";

/**
 * The settlement policy editor's form (docs/product-rules.md §7.10) as flat text fields and back: `graceDays`,
 * and per band row N `band.N.product|currency|minDpd|maxDiscountPercent|paymentCounts|windowDays|validityDays`.
 * A row whose minimum days past due is blank is no band. Errors are keys of the `settlement` namespace by field.
 */
export const BAND_ROWS = 8;
export const BAND_FIELDS = [
  "product",
  "currency",
  "minDpd",
  "maxDiscountPercent",
  "paymentCounts",
  "windowDays",
  "validityDays",
] as const;
export const PRODUCT_CHOICES = [ANY, ...SETTLEMENT_PRODUCTS] as const;

export type SettlementPolicyValues = Record<string, string>;
export type SettlementPolicyErrors = Record<string, string[]>;

const bandField = (n: number, f: (typeof BAND_FIELDS)[number]) => `band.${n}.${f}`;

export function settlementPolicyValues(policy: SettlementPolicy): SettlementPolicyValues {
  const values: SettlementPolicyValues = { graceDays: String(policy.graceDays) };
  policy.bands.forEach((b, n) => {
    values[bandField(n, "product")] = b.product;
    values[bandField(n, "currency")] = b.currency;
    values[bandField(n, "minDpd")] = String(b.minDpd);
    values[bandField(n, "maxDiscountPercent")] = (b.maxDiscountBp / 100).toString();
    values[bandField(n, "paymentCounts")] = b.paymentCounts.join(", ");
    values[bandField(n, "windowDays")] = String(b.windowDays);
    values[bandField(n, "validityDays")] = String(b.validityDays);
  });
  return values;
}

const WHOLE = /^\d{1,6}$/;
const PERCENT = /^\d{1,2}(\.\d{1,2})?$/;

function percentBp(text: string): number | null {
  if (!PERCENT.test(text)) return null;
  const [whole, fraction = ""] = text.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

type Read = { ok: true; policy: SettlementPolicy } | { ok: false; errors: SettlementPolicyErrors };

export function readSettlementPolicyForm(values: SettlementPolicyValues): Read {
  const errors: SettlementPolicyErrors = {};
  const fail = (field: string, key: string) => void (errors[field] ??= [key]);
  const whole = (field: string): number => {
    const text = (values[field] ?? "").trim();
    if (!WHOLE.test(text)) fail(field, "staff.fieldNumber");
    return Number(text);
  };
  const graceDays = whole("graceDays");
  const rows: number[] = [];
  const bands = [];
  for (let n = 0; n < BAND_ROWS; n++) {
    if ((values[bandField(n, "minDpd")] ?? "").trim() === "") continue;
    rows.push(n);
    const counts = (values[bandField(n, "paymentCounts")] ?? "").split(",").map((c) => c.trim());
    if (!counts.every((c) => WHOLE.test(c))) fail(bandField(n, "paymentCounts"), "staff.fieldCounts");
    const bp = percentBp((values[bandField(n, "maxDiscountPercent")] ?? "").trim());
    if (bp === null) fail(bandField(n, "maxDiscountPercent"), "staff.fieldPercent");
    bands.push({
      product: (values[bandField(n, "product")] ?? "").trim(),
      currency: (values[bandField(n, "currency")] ?? "").trim().toUpperCase().replace(/^ANY$/, ANY),
      minDpd: whole(bandField(n, "minDpd")),
      maxDiscountBp: bp ?? 0,
      paymentCounts: counts.map(Number),
      windowDays: whole(bandField(n, "windowDays")),
      validityDays: whole(bandField(n, "validityDays")),
    });
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const parsed = settlementPolicySchema.safeParse({ graceDays, bands });
  if (parsed.success) return { ok: true, policy: parsed.data };
  for (const issue of parsed.error.issues) {
    const [top, index, field] = issue.path;
    const name =
      top === "bands" && typeof index === "number"
        ? bandField(rows[index]!, field === "maxDiscountBp" ? "maxDiscountPercent" : (field as "minDpd"))
        : String(top);
    fail(name, field === "maxDiscountBp" ? "staff.fieldPercent" : `text:${issue.message}`);
  }
  return { ok: false, errors };
}
