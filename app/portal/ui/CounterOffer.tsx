import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCalendarDate, formatMoney } from "../../domain/money";
import type { PlanTermsView, PlanView } from "../../plans/plan-status.server";

/**
 * An approver's counter-offer on the plan status page: what the borrower asked for beside what is suggested,
 * and the two answers.
 */
export function CounterOfferTerms({
  plan,
  problem,
  hotline,
}: {
  plan: PlanView;
  /** Why the last answer could not be taken. */
  problem?: "counterExpired";
  hotline?: string;
}) {
  const { t, i18n } = useTranslation("plan");
  const terms = (p: PlanTermsView) =>
    t("status.terms", {
      n: p.count,
      frequency: t(`calculator.frequencyText_${p.frequency}`),
      date: formatCalendarDate(p.firstDueDate, i18n.language),
      amount: formatMoney({ minor: p.totalMinor, currency: plan.currency }, i18n.language),
    });
  return (
    <>
      {problem ? (
        <p className="notice notice-error" role="alert">
          {t(`status.${problem}`, { hotline })}
        </p>
      ) : null}
      <dl className="summary plan-terms">
        {plan.original ? (
          <div className="summary-row">
            <dt>{t("status.youAskedFor")}</dt>
            <dd>{terms(plan.original)}</dd>
          </div>
        ) : null}
        <div className="summary-row">
          <dt>{t("status.weSuggest")}</dt>
          <dd>{terms(plan)}</dd>
        </div>
      </dl>
    </>
  );
}

export function CounterOfferAnswer({ planId, hotline }: { planId: string; hotline?: string }) {
  const { t } = useTranslation("plan");
  return (
    <div className="plan-actions">
      <Form method="post">
        <input type="hidden" name="planId" value={planId} />
        <button type="submit" name="intent" value="accept" className="button primary">
          {t("status.accept")}
        </button>
      </Form>
      <Form method="post">
        <input type="hidden" name="planId" value={planId} />
        <p className="hint">{t("status.declineHint", { hotline })}</p>
        <button type="submit" name="intent" value="decline" className="button secondary">
          {t("status.decline")}
        </button>
      </Form>
    </div>
  );
}
