import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { PlanFrequency } from "../../domain/instalments";
import { formatMoney } from "../../domain/money";
import type { PlanPreview } from "../../domain/plan-terms";
import { InstalmentTable } from "../../ui/InstalmentTable";

/**
 * The instalments of the terms the borrower previewed, whether the policy approves them at once (or why an
 * approver will look), and the form that submits exactly these terms.
 */
export function PlanPreviewCard({
  preview,
  currency,
  policyVars,
}: {
  preview: PlanPreview & { count: number; frequency: PlanFrequency; firstDueDate: string };
  currency: string;
  /** The policy's figures the reasons are worded with. */
  policyVars: Record<string, string | number>;
}) {
  const { t, i18n } = useTranslation("plan");
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">{t("calculator.previewHeading")}</h2>
      <p>
        {t("calculator.previewSummary", {
          n: preview.count,
          frequency: t(`calculator.frequencyText_${preview.frequency}`),
          amount: formatMoney({ minor: preview.totalMinor, currency }, i18n.language),
        })}
      </p>
      <InstalmentTable instalments={preview.instalments} currency={currency} />
      {preview.autoApprove ? (
        <p className="notice">{t("calculator.fitsPolicy")}</p>
      ) : (
        <div className="notice">
          <p>{t("calculator.needsReview")}</p>
          <ul>
            {preview.reasons.map((r) => (
              <li key={r}>{t(`reasons.${r}`, policyVars)}</li>
            ))}
          </ul>
          <p>{t("calculator.reviewAfter")}</p>
        </div>
      )}
      <p className="hint">{t("calculator.changeHint")}</p>
      {/* The exact terms shown above, so what is submitted is what was previewed. */}
      <Form method="post">
        <input type="hidden" name="count" value={String(preview.count)} />
        <input type="hidden" name="frequency" value={preview.frequency} />
        <input type="hidden" name="firstDueDate" value={preview.firstDueDate} />
        <button type="submit" name="intent" value="submit" className="button primary">
          {t("calculator.submit")}
        </button>
      </Form>
    </section>
  );
}
