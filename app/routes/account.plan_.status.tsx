import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { resolveLocale } from "~/i18n/locale.server";
import { getAutopayState, startAutopaySetup, turnOffAutopay } from "~/payments/autopay.server";
import { Autopay } from "~/portal/ui/Autopay";
import { instalmentMoveOffer, moveInstalment } from "~/plans/instalment-move.server";
import { getPlanForAccount, respondToCounterOffer, type PlanView } from "~/plans/plans.server";
import { MoveInstalment } from "~/portal/ui/MoveInstalment";
import { CounterOfferAnswer, CounterOfferTerms } from "~/portal/ui/CounterOffer";
import { InstalmentTable } from "~/ui/InstalmentTable";

// /account/plan/status (the trailing "_" keeps it out of the calculator's layout).
const NO_STORE = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const [plan, moveOffer, autopay] = await Promise.all([
    getPlanForAccount(context.db, session),
    instalmentMoveOffer(context.db, session),
    getAutopayState(context.db, session),
  ]);
  const query = new URL(request.url).searchParams;
  const moved = query.get("moved") === "1";
  const autopayNotice = query.get("autopay") === "off" ? ("off" as const) : null;
  const autopaySaved = query.get("autopay") === "saved";
  return data({ plan, moveOffer, moved, autopay, autopayNotice, autopaySaved }, { headers: NO_STORE });
}

const answerSchema = z.object({ intent: z.enum(["accept", "decline"]), planId: z.string().uuid() });
const moveSchema = z.object({ intent: z.literal("move"), newDate: z.string().max(32) });
const autopaySchema = z.object({ intent: z.enum(["autopay_on", "autopay_off"]) });

/** Autopay on (to Stripe Checkout in setup mode) or off (docs/product-rules.md §7.11). */
async function autopayAction(
  args: ActionFunctionArgs,
  session: Awaited<ReturnType<typeof requireBorrowerSession>>,
  intent: "autopay_on" | "autopay_off",
) {
  const { request, context } = args;
  if (intent === "autopay_off") {
    const off = await turnOffAutopay(context.db, { session });
    return redirect(off.status === "off" ? "/account/plan/status?autopay=off" : "/account/plan/status", 303);
  }
  const locale = await resolveLocale(request, context.db);
  const setup = await startAutopaySetup(context.db, { session, baseUrl: context.publicBaseUrl, locale });
  switch (setup.status) {
    case "redirect":
      return redirect(setup.url, 303);
    case "already_on":
    case "no_plan":
      return redirect("/account/plan/status", 303);
    case "unavailable":
      return data({ autopayUnavailable: true }, { status: 503, headers: NO_STORE });
  }
}

/** The borrower's answer to a counter-offer, or a request to move the next instalment. */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const form = Object.fromEntries(await request.formData());
  const autopay = autopaySchema.safeParse(form);
  if (autopay.success) return autopayAction({ request, context, params: {} }, session, autopay.data.intent);
  const move = moveSchema.safeParse(form);
  if (move.success) {
    const result = await moveInstalment(context.db, { session, newDate: move.data.newDate.trim() });
    if (result.status === "moved") return redirect("/account/plan/status?moved=1", 303);
    if (result.status === "no_active_plan") return redirect("/account/plan/status", 303);
    return data({ moveProblem: result.problem }, { status: 400, headers: NO_STORE });
  }
  const parsed = answerSchema.safeParse(form);
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
  const { plan, moveOffer, moved, autopay, autopayNotice, autopaySaved } = useLoaderData<typeof loader>();
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

        {moved ? (
          <p className="notice" role="status">
            {t("move.done")}
          </p>
        ) : null}
        {plan && view === "counter" ? (
          <CounterOfferTerms
            plan={plan}
            problem={actionData && "problem" in actionData ? actionData.problem : undefined}
            hotline={hotline}
          />
        ) : null}

        {plan && view !== "none" ? (
          <InstalmentTable
            instalments={plan.instalments}
            currency={plan.currency}
            showStatus={view !== "counter" && view !== "pending"}
          />
        ) : null}

        {autopayNotice === "off" ? (
          <p className="notice" role="status">
            {t("autopay.turnedOff")}
          </p>
        ) : null}
        {plan && view === "counter" ? <CounterOfferAnswer planId={plan.id} hotline={hotline} /> : null}
        {view === "active" && autopay ? (
          <Autopay
            status={autopay.status}
            saved={autopaySaved}
            unavailable={Boolean(actionData && "autopayUnavailable" in actionData)}
          />
        ) : null}
        {view === "active" && moveOffer ? (
          <MoveInstalment
            offer={moveOffer}
            problem={actionData && "moveProblem" in actionData ? actionData.moveProblem : undefined}
          />
        ) : null}

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
