import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { getPlanForAccount, respondToCounterOffer, type PlanView } from "~/plans/plans.server";
import { CounterOfferAnswer, CounterOfferTerms } from "~/portal/ui/CounterOffer";
import { InstalmentTable } from "~/ui/InstalmentTable";

// /account/plan/status (the trailing "_" keeps it out of the calculator's layout).
const NO_STORE = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const plan = await getPlanForAccount(context.db, session);
  return data({ plan }, { headers: NO_STORE });
}

const responseSchema = z.object({ intent: z.enum(["accept", "decline"]), planId: z.string().uuid() });

/** The borrower's answer to a counter-offer. */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const parsed = responseSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) throw data(null, { status: 400 });
  const outcome = await respondToCounterOffer(context.db, {
    session,
    planId: parsed.data.planId,
    accept: parsed.data.intent === "accept",
  });
  switch (outcome.status) {
    case "accepted":
    case "declined":
    case "conflict": // decided meanwhile: the page shows where it stands now
      return redirect("/account/plan/status", 303);
    case "first_date_passed":
      return data({ problem: "counterExpired" as const }, { status: 409, headers: NO_STORE });
    case "not_found":
      throw data(null, { status: 404 });
  }
}

type View =
  "none" | "active" | "pending" | "counter" | "rejected" | "declined" | "broken" | "completed" | "cancelled";

function viewOf(plan: PlanView | null): View {
  if (!plan) return "none";
  switch (plan.status) {
    case "proposed":
      return plan.awaiting === "borrower" ? "counter" : "pending";
    case "approved":
    case "active":
      return "active";
    case "countered": // its counter-offer is newer and normally shown instead
      return "pending";
    default:
      return plan.status;
  }
}

export default function PlanStatus() {
  const { plan } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("plan");
  const hotline = root?.hotline;
  const view = viewOf(plan);
  const canProposeAgain =
    view === "none" ||
    view === "rejected" ||
    view === "declined" ||
    view === "broken" ||
    view === "completed" ||
    view === "cancelled";

  return (
    <>
      <section className="card" aria-labelledby="plan-status-title">
        <h1 id="plan-status-title">{t(`status.${view}Title`)}</h1>
        <p>{t(`status.${view}Body`, { hotline })}</p>
        {view === "active" && plan?.autoApproved ? <p className="hint">{t("status.autoApproved")}</p> : null}

        {plan && view === "counter" ? (
          <CounterOfferTerms plan={plan} problem={actionData?.problem} hotline={hotline} />
        ) : null}

        {plan && view !== "none" ? (
          <InstalmentTable
            instalments={plan.instalments}
            currency={plan.currency}
            showStatus={view !== "counter" && view !== "pending"}
          />
        ) : null}

        {plan && view === "counter" ? <CounterOfferAnswer planId={plan.id} hotline={hotline} /> : null}

        {canProposeAgain ? (
          <p>
            <Link to="/account/plan" className="button primary">
              {t("status.newPlan")}
            </Link>
          </p>
        ) : null}
      </section>
      <p>
        <Link to="/account">{t("status.back")}</Link>
      </p>
    </>
  );
}
