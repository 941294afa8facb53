import type { Kysely, Transaction } from "kysely";
import { OPEN_PLAN_STATUSES, type Database } from "../../db/schema";
import type { SupportedLocale } from "../i18n/config";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { getAccountOverview } from "../borrower/overview.server";
import type { BorrowerSession } from "../borrower/session.server";
import { offerTerms, readSettlement, type SettlementView } from "./settlements.server";
import { SETTLEMENT_TERMS_VERSION } from "./settlement-terms.server";

/**
 * Accepting a settlement offer (docs/product-rules.md §7.10): offered -> accepted in one transaction with
 * its payment schedule, the written terms stored verbatim with their version and language, the bank
 * event and the audit row. The page sends back the amount it showed; if the offer no longer says that
 * (or has ended), nothing is written and the borrower sees the offer as it stands now.
 */
type Scope = Pick<BorrowerSession, "borrowerId" | "accountId">;

export type AcceptOutcome =
  | { status: "accepted"; settlementId: string }
  | { status: "not_found" }
  | { status: "changed" }
  | { status: "invalid_count" };

interface AcceptInput {
  session: Scope;
  settlementId: string;
  paymentCount: number;
  shownAgreedMinor: number;
  locale: SupportedLocale;
  now?: Date;
}

export async function acceptSettlement(db: Kysely<Database>, input: AcceptInput): Promise<AcceptOutcome> {
  const now = input.now ?? new Date();
  const scope = input.session;
  return db.transaction().execute(async (trx): Promise<AcceptOutcome> => {
    const row = await trx
      .selectFrom("settlements")
      .select(["id", "status", "expires_at", "agreed_minor", "payment_counts"])
      .where("id", "=", input.settlementId)
      .where("account_id", "=", scope.accountId)
      .where("borrower_id", "=", scope.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.status !== "offered" || row.expires_at <= now) return { status: "not_found" };
    if (row.agreed_minor !== input.shownAgreedMinor) return { status: "changed" };
    if (!row.payment_counts.includes(input.paymentCount)) return { status: "invalid_count" };
    const overview = await getAccountOverview(trx, scope);
    if (row.agreed_minor > overview.balanceMinor) return { status: "changed" };
    const plan = await trx
      .selectFrom("instalment_plans")
      .select("id")
      .where("account_id", "=", scope.accountId)
      .where("status", "in", OPEN_PLAN_STATUSES)
      .executeTakeFirst();
    if (plan) return { status: "changed" };

    const view = await readSettlement(trx, row.id);
    await recordAcceptance(trx, { ...input, now }, view);
    return { status: "accepted", settlementId: row.id };
  });
}

/** offered -> accepted: the terms as rendered now, the payment schedule, the bank event and the audit row. */
async function recordAcceptance(
  trx: Transaction<Database>,
  input: AcceptInput & { now: Date },
  view: SettlementView,
) {
  const { now, session: scope } = input;
  const row = { id: view.id, agreed_minor: view.agreedMinor };
  const { payments, termsText } = await offerTerms(trx, scope, view, input.paymentCount, input.locale, now);
  await trx
    .updateTable("settlements")
    .set({
      status: "accepted",
      payment_count: input.paymentCount,
      accepted_at: now,
      terms_version: SETTLEMENT_TERMS_VERSION,
      terms_locale: input.locale,
      terms_text: termsText,
      updated_at: now,
    })
    .where("id", "=", row.id)
    .execute();
  await trx
    .insertInto("settlement_payments")
    .values(
      payments.map((p) => ({
        settlement_id: row.id,
        seq: p.seq,
        due_date: p.dueDate,
        amount_minor: p.amountMinor,
      })),
    )
    .execute();
  const detail = {
    accountId: scope.accountId,
    agreedMinor: row.agreed_minor,
    currency: view.currency,
    paymentCount: input.paymentCount,
    termsVersion: SETTLEMENT_TERMS_VERSION,
  };
  await emitBankEvent(trx, {
    type: "settlement.accepted",
    accountId: scope.accountId,
    borrowerId: scope.borrowerId,
    payload: { settlementId: row.id, ...detail, payments, acceptedAt: now.toISOString() },
    now,
  });
  await appendAudit(
    trx,
    {
      actorType: "borrower",
      actorId: scope.borrowerId,
      action: "settlement.accepted",
      subjectType: "settlement",
      subjectId: row.id,
      borrowerId: scope.borrowerId,
      detail,
    },
    now,
  );
}

/** The settlement payment to pay next (the earliest not yet paid in full) and what is left of it. */
export async function nextSettlementPayment(
  db: Kysely<Database>,
  scope: Scope,
): Promise<{ settlementId: string; seq: number; amountMinor: number } | null> {
  const row = await db
    .selectFrom("settlement_payments as p")
    .innerJoin("settlements as s", "s.id", "p.settlement_id")
    .select(["s.id", "p.seq", "p.amount_minor", "p.paid_minor"])
    .where("s.account_id", "=", scope.accountId)
    .where("s.borrower_id", "=", scope.borrowerId)
    .where("s.status", "=", "accepted")
    .where("p.status", "=", "due")
    .orderBy("p.seq")
    .limit(1)
    .executeTakeFirst();
  return row ? { settlementId: row.id, seq: row.seq, amountMinor: row.amount_minor - row.paid_minor } : null;
}
