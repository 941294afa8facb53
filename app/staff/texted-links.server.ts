import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { parseTypedAmount, resolvePaymentAmount, type AmountErrorCode } from "../domain/payment-amount";
import { appendAudit } from "../platform/audit.server";
import { consume, type RateLimitRule } from "../platform/rate-limit.server";
import { queueSms, smsAmount } from "../messaging/outbound-sms.server";
import { numberRefusedForDebt } from "../messaging/debtor-only-sms.server";
import { actedBy, smsLocale, sessionAccount, type SessionScope } from "../borrower/action-scope.server";
import { currentPreferences } from "../borrower/preferences.server";
import { getPaymentOptions } from "../payments/payments.server";

/**
 * Links staff text to a borrower from the console (docs/product-rules.md §8.11): a fresh link to the
 * portal, or a payment link whose pay page opens with the amount agreed on the call. Both go through
 * queueSms, the one path every text with a link takes (a new short link per text, consent checked);
 * the agreed amount is kept on the link row, never in its URL. Each borrower can be sent at most
 * LINK_TEXTS_PER_DAY such texts a day, whoever sends them, so a console cannot be used to flood a phone.
 */
const LINK_TEXTS_PER_DAY: RateLimitRule = { points: 3, durationSec: 86_400 };

export type TextLinkResult =
  | { status: "queued"; messageId: string }
  | { status: "sms_refused" }
  | { status: "wrong_number" }
  | { status: "not_borrowers_number" }
  | { status: "rate_limited"; retryAfterSec: number }
  | { status: "invalid_amount"; error: AmountErrorCode };

/** A fresh link to the portal for the account, by SMS. */
export function textFreshLink(db: Kysely<Database>, scope: SessionScope, now = new Date()) {
  return textLink(db, scope, { now });
}

/** A link to the pay page with `typedAmount` (as the agent typed it) chosen, by SMS. */
export async function textPaymentLink(
  db: Kysely<Database>,
  scope: SessionScope,
  typedAmount: string,
  now = new Date(),
): Promise<TextLinkResult> {
  // The portal's own rules for a custom amount: what the borrower could pay on the page right now.
  const bounds = await getPaymentOptions(db, scope);
  const typed = parseTypedAmount(typedAmount, bounds.currency);
  if (!typed.ok) return { status: "invalid_amount", error: typed.error };
  const amount = resolvePaymentAmount("custom", typed.minor, bounds);
  if (!amount.ok) return { status: "invalid_amount", error: amount.error };
  return textLink(db, scope, { now, amountMinor: amount.minor });
}

async function textLink(
  db: Kysely<Database>,
  scope: SessionScope,
  opts: { now: Date; amountMinor?: number },
): Promise<TextLinkResult> {
  // Consent first, so a text that could not go spends none of the day's budget.
  const refused = await smsRefusal(db, scope);
  if (refused === "not_borrowers_number") return debtorOnlyRefused(db, scope, opts);
  if (refused) return { status: refused };
  const budget = await consume(db, `staff-link-text:${scope.borrowerId}`, LINK_TEXTS_PER_DAY);
  if (!budget.ok) return { status: "rate_limited", retryAfterSec: budget.retryAfterSec };
  return db.transaction().execute(async (trx): Promise<TextLinkResult> => {
    const account = await sessionAccount(trx, scope);
    const { amountMinor, now } = opts;
    const sms = await queueSms(trx, {
      borrowerId: scope.borrowerId,
      accountId: scope.accountId,
      purpose: "confirmation",
      templateKey: amountMinor ? "confirmation.payment_link" : "confirmation.fresh_link",
      vars: amountMinor ? { amount: smsAmount(amountMinor, account.currency, smsLocale(account)) } : {},
      now,
    });
    if (sms.status !== "queued")
      return {
        status: sms.reason === "duplicate" || sms.reason === "sms_opted_out" ? "sms_refused" : sms.reason,
      };
    if (amountMinor)
      await trx
        .updateTable("short_links")
        .set({ agreed_amount_minor: amountMinor })
        .where("message_id", "=", sms.messageId)
        .execute();
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: scope.staff?.id ?? null,
        action: amountMinor ? "link.payment_link_texted" : "link.texted",
        subjectType: "message",
        subjectId: sms.messageId,
        borrowerId: scope.borrowerId,
        detail: {
          accountId: scope.accountId,
          ...(amountMinor ? { amountMinor, currency: account.currency } : {}),
          ...actedBy(scope),
        },
      },
      now,
    );
    return { status: "queued", messageId: sms.messageId };
  });
}

async function smsRefusal(db: Kysely<Database>, scope: SessionScope) {
  const preferences = await currentPreferences(db, scope);
  if (preferences.smsOptedOut || !preferences.smsAllowed) return "sms_refused" as const;
  const account = await db
    .selectFrom("accounts")
    .select("wrong_number_at")
    .where("id", "=", scope.accountId)
    .executeTakeFirstOrThrow();
  if (account.wrong_number_at) return "wrong_number" as const;
  return (await numberRefusedForDebt(db, scope.borrowerId)) ? ("not_borrowers_number" as const) : null;
}

/**
 * Debtor-only (docs/product-rules.md §4.20): the number on file is not known to be the borrower's, so
 * nothing about the debt is texted to it. The refusal is audited (who tried, which link, why), since an
 * agent tried to reach a number the rule keeps out.
 */
async function debtorOnlyRefused(
  db: Kysely<Database>,
  scope: SessionScope,
  opts: { now: Date; amountMinor?: number },
): Promise<TextLinkResult> {
  await appendAudit(
    db,
    {
      actorType: "staff",
      actorId: scope.staff?.id ?? null,
      action: "link.text_refused",
      subjectType: "account",
      subjectId: scope.accountId,
      borrowerId: scope.borrowerId,
      detail: {
        reason: "not_borrowers_number",
        link: opts.amountMinor ? "payment_link" : "fresh_link",
        ...actedBy(scope),
      },
    },
    opts.now,
  );
  return { status: "not_borrowers_number" };
}
