import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCalendarDate, formatMoney } from "~/domain/money";
import { InstalmentTable, type InstalmentRow } from "~/ui/InstalmentTable";

/** The settlement page's parts (app/routes/account.settlement.tsx): an offer, and a settlement agreed. */
export interface SettlementFacts {
  id: string;
  status: "offered" | "accepted" | "paid" | "lapsed" | "withdrawn" | "pending_approval" | "rejected";
  currency: string;
  balanceMinor: number;
  agreedMinor: number;
  paymentCounts: number[];
  /** YYYY-MM-DD, on the borrower's calendar. */
  expiresOn: string;
  acceptedOn: string | null;
  termsText: string | null;
  termsVersion: string | null;
  payments: InstalmentRow[];
}

function SettlementFigures({ s, showExpiry }: { s: SettlementFacts; showExpiry: boolean }) {
  const { t, i18n } = useTranslation("settlement");
  const money = (minor: number) => formatMoney({ minor, currency: s.currency }, i18n.language);
  const rows: Array<[string, string]> = [
    [t("balance"), money(s.balanceMinor)],
    [t("discount"), money(s.balanceMinor - s.agreedMinor)],
    [t("agreed"), money(s.agreedMinor)],
  ];
  if (showExpiry) rows.push([t("expires"), formatCalendarDate(s.expiresOn, i18n.language)]);
  return (
    <dl className="summary">
      {rows.map(([label, value]) => (
        <div key={label} className="summary-row">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function SettlementTerms({ text, version }: { text: string; version: string | null }) {
  const { t } = useTranslation("settlement");
  return (
    <section aria-labelledby="terms-title">
      <h2 id="terms-title">{t("termsHeading")}</h2>
      {version ? <p className="hint">{t("termsVersion", { version })}</p> : null}
      <p className="free-text">{text}</p>
    </section>
  );
}

/** An open offer: the ways to pay, the chosen one's schedule and terms, and the accept form. */
export function SettlementOffer({
  s,
  chosen,
  problem,
}: {
  s: SettlementFacts;
  chosen: { count: number; payments: InstalmentRow[]; termsText: string };
  problem?: string;
}) {
  const { t } = useTranslation("settlement");
  return (
    <>
      <p>{t("offerIntro")}</p>
      <SettlementFigures s={s} showExpiry />
      <p className="hint">{t("rounding")}</p>
      {s.paymentCounts.length > 1 ? (
        <nav aria-labelledby="choose-title">
          <h2 id="choose-title">{t("chooseHeading")}</h2>
          <ul className="action-list">
            {s.paymentCounts.map((n) => (
              <li key={n}>
                {n === chosen.count ? (
                  <span aria-current="true">{t("optionChosen", { n })}</span>
                ) : (
                  <Link to={`/account/settlement?payments=${n}`}>{t("option", { n })}</Link>
                )}
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <InstalmentTable instalments={chosen.payments} currency={s.currency} />
      <SettlementTerms text={chosen.termsText} version={null} />
      {problem ? (
        <p className="notice notice-error" role="alert" id="accept-error">
          {t(`errors.${problem}`)}
        </p>
      ) : null}
      <Form method="post">
        <input type="hidden" name="intent" value="accept" />
        <input type="hidden" name="settlementId" value={s.id} />
        <input type="hidden" name="paymentCount" value={chosen.count} />
        <input type="hidden" name="agreedMinor" value={s.agreedMinor} />
        <p className="hint">{t("acceptHint")}</p>
        <button type="submit" className="button primary">
          {t("accept")}
        </button>
      </Form>
    </>
  );
}

/** An accepted settlement: its payments, the next one to pay, and the terms as agreed. */
export function SettlementAgreed({
  s,
  next,
  graceDays,
  problem,
}: {
  s: SettlementFacts;
  next: { amountMinor: number } | null;
  graceDays: number;
  problem?: string;
}) {
  const { t, i18n } = useTranslation("settlement");
  const money = (minor: number) => formatMoney({ minor, currency: s.currency }, i18n.language);
  return (
    <>
      <p>{t(`${s.status === "paid" ? "paid" : "accepted"}Body`, { grace: graceDays })}</p>
      <SettlementFigures s={s} showExpiry={false} />
      {s.acceptedOn ? (
        <p className="hint">{t("acceptedAt", { date: formatCalendarDate(s.acceptedOn, i18n.language) })}</p>
      ) : null}
      <InstalmentTable instalments={s.payments} currency={s.currency} showStatus />
      {problem ? (
        <p className="notice notice-error" role="alert">
          {t(`errors.${problem}`)}
        </p>
      ) : null}
      {s.status === "accepted" && next ? (
        <Form method="post">
          <input type="hidden" name="intent" value="pay" />
          <button type="submit" className="button primary">
            {t("payNext", { amount: money(next.amountMinor) })}
          </button>
        </Form>
      ) : null}
      {s.termsText ? <SettlementTerms text={s.termsText} version={s.termsVersion} /> : null}
    </>
  );
}
