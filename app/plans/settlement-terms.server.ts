import { formatCalendarDate, formatMoney } from "../domain/money";
import type { SettlementPaymentPlan } from "../domain/settlement";
import type { SupportedLocale } from "../i18n/config";
import { i18nServer } from "../i18n/i18n.server";

/**
 * The written terms of a settlement (docs/product-rules.md §7.10), rendered in the borrower's language
 * from `settlement:terms.*`. The text shown on the offer page is rendered again from the same figures
 * when the borrower accepts and stored verbatim with this version, so what was agreed can be read back
 * even after the wording changes. Bump the version whenever the wording of the terms changes.
 */
export const SETTLEMENT_TERMS_VERSION = "settlement-terms-1";

export interface TermsFacts {
  last4: string;
  currency: string;
  balanceMinor: number;
  agreedMinor: number;
  /** The day the balance was taken (YYYY-MM-DD). */
  balanceDate: string;
  graceDays: number;
  payments: SettlementPaymentPlan[];
}

export async function renderSettlementTerms(locale: SupportedLocale, facts: TermsFacts): Promise<string> {
  const t = await i18nServer.getFixedT(locale, "settlement");
  const money = (minor: number) => formatMoney({ minor, currency: facts.currency }, locale);
  const schedule = facts.payments
    .map((p) =>
      t("terms.payment", {
        seq: p.seq,
        amount: money(p.amountMinor),
        date: formatCalendarDate(p.dueDate, locale),
      }),
    )
    .join(t("terms.separator"));
  return [
    t("terms.heading", { version: SETTLEMENT_TERMS_VERSION }),
    t("terms.agreement", {
      agreed: money(facts.agreedMinor),
      last4: facts.last4,
      balance: money(facts.balanceMinor),
      discount: money(facts.balanceMinor - facts.agreedMinor),
      date: formatCalendarDate(facts.balanceDate, locale),
    }),
    t("terms.rounding"),
    t("terms.schedule", { count: facts.payments.length, schedule }),
    t("terms.lapse", { grace: facts.graceDays }),
    t("terms.settled"),
  ].join("\n\n");
}
