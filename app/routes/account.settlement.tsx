import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { isoDateFromEpochDay, localEpochDay } from "~/domain/local-time";
import { i18nServer } from "~/i18n/i18n.server";
import { resolveLocale } from "~/i18n/locale.server";
import { CheckoutUnavailableError, PaymentAmountError, startCheckout } from "~/payments/payments.server";
import { acceptSettlement, nextSettlementPayment } from "~/plans/settlement-accept.server";
import { activeSettlementPolicy } from "~/plans/settlement-policy.server";
import { getSettlementForAccount, offerTerms, type SettlementView } from "~/plans/settlements.server";
import { SettlementAgreed, SettlementOffer, type SettlementFacts } from "~/portal/ui/Settlement";

/** /account/settlement: the borrower's settlement offer, accepting it, and paying it (docs/product-rules.md §7.10). */
const NO_STORE = { "Cache-Control": "no-store" };

function facts(s: SettlementView, zone: string): SettlementFacts {
  const day = (d: Date) => isoDateFromEpochDay(localEpochDay(d.getTime(), zone));
  return {
    id: s.id,
    status: s.status,
    currency: s.currency,
    balanceMinor: s.balanceMinor,
    agreedMinor: s.agreedMinor,
    paymentCounts: s.paymentCounts,
    expiresOn: day(s.expiresAt),
    acceptedOn: s.acceptedAt ? day(s.acceptedAt) : null,
    termsText: s.termsText,
    termsVersion: s.termsVersion,
    payments: s.payments.map((p) => ({
      seq: p.seq,
      dueDate: p.dueDate,
      amountMinor: p.amountMinor,
      status: p.status,
    })),
  };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const locale = await resolveLocale(request, context.db);
  const now = new Date();
  const { overview, settlement } = await getSettlementForAccount(context.db, session, now);
  const zone = await borrowerZone(context.db, session.borrowerId);
  const url = new URL(request.url);
  let chosen = null;
  if (settlement?.status === "offered") {
    const asked = Number(url.searchParams.get("payments"));
    const count = settlement.paymentCounts.includes(asked) ? asked : settlement.paymentCounts[0]!;
    const offer = await offerTerms(context.db, session, settlement, count, locale, now);
    chosen = { count, payments: offer.payments, termsText: offer.termsText };
  }
  const next = settlement?.status === "accepted" ? await nextSettlementPayment(context.db, session) : null;
  const { policy } = await activeSettlementPolicy(context.db);
  return data(
    {
      last4: overview.last4,
      settlement: settlement ? facts(settlement, zone) : null,
      chosen,
      next,
      graceDays: policy.graceDays,
      accepted: url.searchParams.get("accepted") === "1",
    },
    { headers: NO_STORE },
  );
}

async function borrowerZone(db: LoaderFunctionArgs["context"]["db"], borrowerId: string) {
  const row = await db
    .selectFrom("borrowers")
    .select("time_zone")
    .where("id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  return row.time_zone;
}

const acceptSchema = z.object({
  intent: z.literal("accept"),
  settlementId: z.string().uuid(),
  paymentCount: z.coerce.number().int().min(1).max(12),
  agreedMinor: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
const paySchema = z.object({ intent: z.literal("pay") });

type Problem = "changed" | "invalidCount" | "notFound" | "nothingToPay" | "checkoutUnavailable";
const problem = (p: Problem, status: number) => data({ problem: p }, { status, headers: NO_STORE });

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const form = Object.fromEntries(await request.formData());
  const locale = await resolveLocale(request, context.db);
  if (paySchema.safeParse(form).success) return payNext(context, session, locale);
  const parsed = acceptSchema.safeParse(form);
  if (!parsed.success) {
    const countWrong = parsed.error.issues.some((i) => i.path[0] === "paymentCount");
    return problem(countWrong ? "invalidCount" : "notFound", 400);
  }
  const outcome = await acceptSettlement(context.db, {
    session,
    settlementId: parsed.data.settlementId,
    paymentCount: parsed.data.paymentCount,
    shownAgreedMinor: parsed.data.agreedMinor,
    locale,
  });
  switch (outcome.status) {
    case "accepted":
      return redirect("/account/settlement?accepted=1", 303);
    case "changed":
      return problem("changed", 409);
    case "invalid_count":
      return problem("invalidCount", 400);
    case "not_found":
      return problem("notFound", 409);
  }
}

async function payNext(
  context: ActionFunctionArgs["context"],
  session: Awaited<ReturnType<typeof requireBorrowerSession>>,
  locale: Awaited<ReturnType<typeof resolveLocale>>,
) {
  const next = await nextSettlementPayment(context.db, session);
  if (!next) return problem("nothingToPay", 409);
  const t = await i18nServer.getFixedT(locale, "settlement");
  const account = await context.db
    .selectFrom("accounts")
    .select("last4")
    .where("id", "=", session.accountId)
    .executeTakeFirstOrThrow();
  try {
    const checkout = await startCheckout(context.db, {
      session,
      amountChoice: "custom",
      customAmountMinor: next.amountMinor,
      baseUrl: context.publicBaseUrl,
      locale,
      itemName: t("checkoutItem", { seq: next.seq, last4: account.last4 }),
    });
    return redirect(checkout.url, 303);
  } catch (error) {
    if (error instanceof PaymentAmountError) return problem("changed", 409);
    if (error instanceof CheckoutUnavailableError) return problem("checkoutUnavailable", 503);
    throw error;
  }
}

export default function SettlementPage() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("settlement");
  const s = v.settlement;
  const shown = s?.status === "offered" || s?.status === "accepted" || s?.status === "paid" ? s.status : null;
  const title =
    !s || (s.status !== "offered" && !shown && s.status !== "lapsed" && s.status !== "withdrawn")
      ? t("noneTitle")
      : s.status === "offered"
        ? t("title")
        : t(`${s.status as "accepted" | "paid" | "lapsed" | "withdrawn"}Title`);
  return (
    <>
      <section className="card" aria-labelledby="settlement-title">
        <h1 id="settlement-title">{title}</h1>
        {v.accepted ? (
          <p className="notice" role="status">
            {t("acceptedNotice")}
          </p>
        ) : null}
        {s && s.status === "offered" && v.chosen ? (
          <SettlementOffer s={s} chosen={v.chosen} problem={actionData?.problem} />
        ) : s && (s.status === "accepted" || s.status === "paid") ? (
          <SettlementAgreed s={s} next={v.next} graceDays={v.graceDays} problem={actionData?.problem} />
        ) : s && (s.status === "lapsed" || s.status === "withdrawn") ? (
          <p>{t(`${s.status}Body`, { hotline: root?.hotline })}</p>
        ) : (
          <p>{t("noneBody", { hotline: root?.hotline })}</p>
        )}
      </section>
      <p>
        <Link to="/account">{t("back")}</Link>
      </p>
    </>
  );
}
