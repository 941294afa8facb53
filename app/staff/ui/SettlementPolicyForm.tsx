import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import {
  BAND_FIELDS,
  BAND_ROWS,
  PRODUCT_CHOICES,
  type SettlementPolicyErrors,
  type SettlementPolicyValues,
} from "~/staff/settlement-policy-form";

/** The settlement bands as a form (app/routes/staff.settlement-policy.tsx); a blank row is no band. */
const LABELS: Record<(typeof BAND_FIELDS)[number], string> = {
  product: "staff.product",
  currency: "staff.currency",
  minDpd: "staff.minDpd",
  maxDiscountPercent: "staff.maxDiscountPercent",
  paymentCounts: "staff.paymentCounts",
  windowDays: "staff.bandWindowDays",
  validityDays: "staff.bandValidityDays",
};

function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  const { t } = useTranslation("settlement");
  if (!errors?.length) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {errors.map((e) => (e.startsWith("text:") ? e.slice(5) : t(e))).join(" ")}
    </p>
  );
}

export function SettlementPolicyForm({
  values,
  errors,
  baseVersion,
}: {
  values: SettlementPolicyValues;
  errors: SettlementPolicyErrors;
  baseVersion: number;
}) {
  const { t } = useTranslation("settlement");
  const field = (name: string) => {
    const id = `sp-${name.replace(/\./g, "-")}`;
    const described = errors[name]?.length ? `${id}-error` : undefined;
    return { id, described };
  };
  return (
    <Form method="post" className="card">
      <input type="hidden" name="intent" value="save" />
      <input type="hidden" name="baseVersion" value={baseVersion} />
      {Object.keys(errors).length ? (
        <p className="notice notice-error" role="alert">
          {t("staff.invalid")}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="sp-graceDays">{t("staff.graceDays")}</label>
        <input
          id="sp-graceDays"
          name="graceDays"
          defaultValue={values.graceDays}
          inputMode="numeric"
          aria-describedby={field("graceDays").described}
        />
        <FieldErrors id="sp-graceDays-error" errors={errors.graceDays} />
      </div>
      <p className="hint">{t("staff.bandHint")}</p>
      {Array.from({ length: BAND_ROWS }, (_, n) => (
        <fieldset key={n} className="field">
          <legend>{t("staff.band", { n: n + 1 })}</legend>
          {BAND_FIELDS.map((f) => {
            const name = `band.${n}.${f}`;
            const { id, described } = field(name);
            return (
              <div className="field" key={f}>
                <label htmlFor={id}>{t(LABELS[f])}</label>
                {f === "product" ? (
                  <select
                    id={id}
                    name={name}
                    defaultValue={values[name] ?? "any"}
                    aria-describedby={described}
                  >
                    {PRODUCT_CHOICES.map((p) => (
                      <option key={p} value={p}>
                        {p === "any" ? t("staff.any") : p}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input id={id} name={name} defaultValue={values[name] ?? ""} aria-describedby={described} />
                )}
                <FieldErrors id={`${id}-error`} errors={errors[name]} />
              </div>
            );
          })}
        </fieldset>
      ))}
      <button type="submit" className="button primary">
        {t("staff.save")}
      </button>
    </Form>
  );
}
