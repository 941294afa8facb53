import { sql, type Kysely, type Transaction } from "kysely";
import type { ActorType, Database, SettlementStatus } from "../../db/schema";
import { allocateToInstalments } from "../domain/payment-allocation";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { activeSettlementPolicy } from "./settlement-policy.server";

/**
 * How a settlement ends (docs/product-rules.md §7.10): paid in full by payments on its account, lapsed
 * when a payment is missed past the grace days or an offer expires, withdrawn by staff or because the
 * balance it was made on changed. Each end is one transaction with its bank event and audit row.
 */
type Trx = Transaction<Database>;

export const OPEN_SETTLEMENT_STATUSES = ["pending_approval", "offered", "accepted"] as const;

interface Ending {
  id: string;
  account_id: string;
  borrower_id: string;
  status: SettlementStatus;
}

/** Lapses or withdraws an open settlement; its unpaid payments become missed. */
export async function endSettlement(
  trx: Trx,
  s: Ending,
  end: {
    status: "lapsed" | "withdrawn" | "rejected";
    reason: string;
    actor: { type: ActorType; id?: string };
  },
  now: Date,
) {
  await trx
    .updateTable("settlements")
    .set({
      status: end.status,
      updated_at: now,
      ...(end.status === "lapsed"
        ? { lapsed_at: now }
        : end.status === "withdrawn"
          ? { withdrawn_at: now }
          : {}),
    })
    .where("id", "=", s.id)
    .execute();
  await trx
    .updateTable("settlement_payments")
    .set({ status: "missed" })
    .where("settlement_id", "=", s.id)
    .where("status", "=", "due")
    .execute();
  // A pending staff proposal the bank never heard of needs no event when it is rejected.
  if (end.status !== "rejected")
    await emitBankEvent(trx, {
      type: end.status === "lapsed" ? "settlement.lapsed" : "settlement.withdrawn",
      accountId: s.account_id,
      borrowerId: s.borrower_id,
      payload: { settlementId: s.id, previousStatus: s.status, reason: end.reason, at: now.toISOString() },
      now,
    });
  await appendAudit(
    trx,
    {
      actorType: end.actor.type,
      actorId: end.actor.id ?? null,
      action: `settlement.${end.status}`,
      subjectType: "settlement",
      subjectId: s.id,
      borrowerId: s.borrower_id,
      detail: { accountId: s.account_id, previousStatus: s.status, reason: end.reason },
    },
    now,
  );
}

/**
 * Pays the account's accepted settlement (if any) with up to `amountMinor` of a succeeded payment, in
 * due-date order, in the payment's transaction; the last payment makes it `paid` and tells the bank.
 */
export async function payDownSettlement(
  trx: Trx,
  payment: { id: string; accountId: string; amountMinor: number },
  now: Date,
): Promise<{ settlementId: string; allocatedMinor: number; paid: boolean } | null> {
  if (payment.amountMinor <= 0) return null;
  const s = await trx
    .selectFrom("settlements")
    .select(["id", "account_id", "borrower_id", "agreed_minor", "currency"])
    .where("account_id", "=", payment.accountId)
    .where("status", "=", "accepted")
    .forUpdate()
    .executeTakeFirst();
  if (!s) return null;
  const rows = await trx
    .selectFrom("settlement_payments")
    .select(["id", "amount_minor", "paid_minor"])
    .where("settlement_id", "=", s.id)
    .orderBy("seq")
    .forUpdate()
    .execute();
  const allocation = allocateToInstalments(
    rows.map((r) => ({ id: r.id, amountMinor: r.amount_minor, paidMinor: r.paid_minor })),
    payment.amountMinor,
  );
  for (const c of allocation.changes)
    await trx
      .updateTable("settlement_payments")
      .set(c.fullyPaid ? { paid_minor: c.paidMinor, status: "paid" } : { paid_minor: c.paidMinor })
      .where("id", "=", c.id)
      .execute();
  if (allocation.planPaidOff) await markPaid(trx, s, payment.id, now);
  return { settlementId: s.id, allocatedMinor: allocation.allocatedMinor, paid: allocation.planPaidOff };
}

async function markPaid(
  trx: Trx,
  s: { id: string; account_id: string; borrower_id: string; agreed_minor: number; currency: string },
  paymentId: string,
  now: Date,
) {
  await trx
    .updateTable("settlements")
    .set({ status: "paid", paid_at: now, updated_at: now })
    .where("id", "=", s.id)
    .execute();
  await emitBankEvent(trx, {
    type: "settlement.paid",
    accountId: s.account_id,
    borrowerId: s.borrower_id,
    payload: {
      settlementId: s.id,
      agreedMinor: s.agreed_minor,
      currency: s.currency,
      lastPaymentId: paymentId,
      paidAt: now.toISOString(),
    },
    now,
  });
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: "settlement.paid",
      subjectType: "settlement",
      subjectId: s.id,
      borrowerId: s.borrower_id,
      detail: { accountId: s.account_id, agreedMinor: s.agreed_minor, lastPaymentId: paymentId },
    },
    now,
  );
}

/**
 * The lapse job: accepted settlements with a payment still unpaid `graceDays` whole days after its date
 * (on the borrower's calendar), and offers past their expiry. The account goes back to the schedule.
 */
export async function lapseSettlements(db: Kysely<Database>, now: Date): Promise<{ lapsed: string[] }> {
  const { policy } = await activeSettlementPolicy(db);
  const candidates = await db
    .selectFrom("settlements as s")
    .innerJoin("borrowers as b", "b.id", "s.borrower_id")
    .select(["s.id", "s.status", "s.expires_at", "b.time_zone"])
    .select((eb) =>
      eb
        .selectFrom("settlement_payments as p")
        .select(sql<string | null>`min(p.due_date)::text`.as("d"))
        .whereRef("p.settlement_id", "=", "s.id")
        .where("p.status", "=", "due")
        .as("first_unpaid"),
    )
    .where("s.status", "in", ["offered", "accepted"])
    .execute();
  const lapsed: string[] = [];
  for (const c of candidates) {
    const today = isoDateFromEpochDay(localEpochDay(now.getTime(), c.time_zone) - policy.graceDays);
    const missed = c.status === "accepted" && c.first_unpaid !== null && c.first_unpaid < today;
    const expired = c.status === "offered" && c.expires_at <= now;
    if (!missed && !expired) continue;
    const done = await db.transaction().execute(async (trx) => {
      const s = await trx
        .selectFrom("settlements")
        .select(["id", "account_id", "borrower_id", "status"])
        .where("id", "=", c.id)
        .where("status", "=", c.status)
        .forUpdate()
        .executeTakeFirst();
      if (!s) return false; // paid or ended meanwhile
      const reason = missed ? "payment_missed" : "offer_expired";
      await endSettlement(trx, s, { status: "lapsed", reason, actor: { type: "system" } }, now);
      return true;
    });
    if (done) lapsed.push(c.id);
  }
  return { lapsed };
}
