import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { formatMoney } from "~/domain/money";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { getPaymentForBorrower } from "~/payments/payments.server";

/**
 * Where Stripe Checkout sends the borrower back. The redirect proves nothing:
 * the page shows what the webhook recorded, refreshing itself (no JavaScript)
 * while the payment is pending, for a bounded time.
 */
const REFRESH_SECONDS = 3;
/** About two minutes; counted per visit (not from the payment's creation: the borrower may linger at Stripe). */
const MAX_REFRESHES = 40;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const url = new URL(request.url);
  const paymentId = z.string().uuid().safeParse(url.searchParams.get("payment"));
  const refreshes = z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_REFRESHES)
    .catch(MAX_REFRESHES)
    .parse(url.searchParams.get("n") ?? 0);
  // Unknown, malformed, or another borrower's payment: the same 404, so nothing can be probed.
  const payment = paymentId.success ? await getPaymentForBorrower(context.db, session, paymentId.data) : null;
  if (!payment) throw data(null, { status: 404, headers: { "Cache-Control": "no-store" } });
  // A payment refunded or disputed since was still received: only pending and processing are under way.
  const state =
    payment.status === "failed"
      ? "failed"
      : payment.status === "pending" || payment.status === "processing"
        ? "processing"
        : "received";
  const refresh = state === "processing" && refreshes < MAX_REFRESHES;
  const next = `/account/pay/return?payment=${paymentId.data}&n=${refreshes + 1}`;
  return data(
    {
      state,
      refresh,
      refreshUrl: refresh ? next : null,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data: page, matches }) => {
  const inherited = matches.flatMap((m) => m.meta ?? []).filter((d) => !("httpEquiv" in d));
  return page?.refreshUrl
    ? [...inherited, { httpEquiv: "refresh", content: `${REFRESH_SECONDS};url=${page.refreshUrl}` }]
    : inherited;
};

export default function PaymentReturn() {
  const p = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const location = useLocation();
  const { t, i18n } = useTranslation("pay");
  const amount = formatMoney({ minor: p.amountMinor, currency: p.currency }, i18n.language);

  if (p.state === "received") {
    return (
      <section className="card" aria-labelledby="return-title">
        <h1 id="return-title">{t("return.receivedTitle")}</h1>
        <dl className="summary">
          <div className="summary-row">
            <dt>{t("return.amountPaid")}</dt>
            <dd>{amount}</dd>
          </div>
        </dl>
        <p>{t("return.receivedBody")}</p>
        <Link to="/account" className="button primary">
          {t("return.backToAccount")}
        </Link>
      </section>
    );
  }
  if (p.state === "failed") {
    return (
      <section className="card" aria-labelledby="return-title">
        <h1 id="return-title">{t("return.failedTitle")}</h1>
        <p>{t("return.failedBody", { hotline: root?.hotline })}</p>
        <Link to="/account/pay" className="button primary">
          {t("return.tryAgain")}
        </Link>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="return-title">
      <h1 id="return-title">{t(p.refresh ? "return.processingTitle" : "return.slowTitle")}</h1>
      <p role="status">{t(p.refresh ? "return.processingBody" : "return.slowBody")}</p>
      <dl className="summary">
        <div className="summary-row">
          <dt>{t("return.amount")}</dt>
          <dd>{amount}</dd>
        </div>
      </dl>
      <p>
        <Link to={location.pathname + location.search} className="button secondary" reloadDocument>
          {t("return.checkAgain")}
        </Link>
      </p>
      <Link to="/account">{t("return.backToAccount")}</Link>
    </section>
  );
}
