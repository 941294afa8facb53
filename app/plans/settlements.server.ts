import type { Kysely, Transaction } from "kysely";
import { OPEN_PLAN_STATUSES, type Database, type SettlementStatus } from "../../db/schema";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { bandOffer, matchBand, settlementSchedule, type SettlementPaymentPlan } from "../domain/settlement";
import type { SupportedLocale } from "../i18n/config";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { getAccountOverview, type AccountOverview } from "../borrower/overview.server";
import type { BorrowerSession } from "../borrower/session.server";
import { endSettlement, OPEN_SETTLEMENT_STATUSES } from "./settlement-lifecycle.server";
import { activeSettlementPolicy } from "./settlement-policy.server";
import { renderSettlementTerms } from "./settlement-terms.server";

/**
 * The borrower's side of settlement offers (docs/product-rules.md §7.10): the offer a band makes (made
 * once and kept for its validity, so its amount and expiry hold while the borrower thinks), a staff
 * offer once approved, accepting one with its written terms, and what is left to pay.
 */
type Db = Kysely<Database>;
type Trx = Transaction<Database>;
type Scope = Pick<BorrowerSession, "borrowerId" | "accountId">;

/** The statuses a borrower sees; a staff proposal is theirs to see only once approved. */
const BORROWER_VISIBLE = ["offered", "accepted", "paid", "lapsed", "withdrawn"] as const;

interface SettlementPayment {
  seq: number;
  dueDate: string;
  amountMinor: number;
  paidMinor: number;
  status: "due" | "paid" | "missed";
}

export interface SettlementView {
  id: string;
  origin: "band" | "staff";
  status: SettlementStatus;
  currency: string;
  balanceMinor: number;
  agreedMinor: number;
  discountBp: number;
  paymentCounts: number[];
  paymentCount: number | null;
  windowDays: number;
  expiresAt: Date;
  termsVersion: string | null;
  termsText: string | null;
  acceptedAt: Date | null;
  paidAt: Date | null;
  payments: SettlementPayment[];
}

/** A settlement and its payments, as the portal and the console read them. */
export async function readSettlement(db: Db | Trx, id: string): Promise<SettlementView> {
  const [s, payments] = await Promise.all([
    db.selectFrom("settlements").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
    db
      .selectFrom("settlement_payments")
      .select(["seq", "due_date", "amount_minor", "paid_minor", "status"])
      .where("settlement_id", "=", id)
      .orderBy("seq")
      .execute(),
  ]);
  return {
    id: s.id,
    origin: s.origin,
    status: s.status,
    currency: s.currency,
    balanceMinor: s.balance_minor,
    agreedMinor: s.agreed_minor,
    discountBp: s.discount_bp,
    paymentCounts: s.payment_counts,
    paymentCount: s.payment_count,
    windowDays: s.window_days,
    expiresAt: s.expires_at,
    termsVersion: s.terms_version,
    termsText: s.terms_text,
    acceptedAt: s.accepted_at,
    paidAt: s.paid_at,
    payments: payments.map((p) => ({
      seq: p.seq,
      dueDate: p.due_date,
      amountMinor: p.amount_minor,
      paidMinor: p.paid_minor,
      status: p.status,
    })),
  };
}

async function latestVisible(db: Db | Trx, scope: Scope) {
  return db
    .selectFrom("settlements")
    .select([
      "id",
      "account_id",
      "borrower_id",
      "status",
      "origin",
      "expires_at",
      "agreed_minor",
      "accepted_at",
    ])
    .where("account_id", "=", scope.accountId)
    .where("borrower_id", "=", scope.borrowerId)
    .where("status", "in", BORROWER_VISIBLE)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/**
 * What the settlement page shows: the account's current settlement, after ending an offer that expired
 * or no longer fits the balance, and making a band offer when the account is in a band and nothing is
 * open. Null when there is nothing to offer or show.
 */
export async function getSettlementForAccount(db: Db, scope: Scope, now = new Date()) {
  const overview = await getAccountOverview(db, scope);
  let current = await latestVisible(db, scope);
  if (current?.status === "offered") {
    const stale = current.expires_at <= now || current.agreed_minor > overview.balanceMinor;
    if (stale) {
      const row = current;
      const reason = current.expires_at <= now ? "offer_expired" : "balance_changed";
      await db.transaction().execute(async (trx) => {
        const locked = await lockOpen(trx, row.id, "offered");
        if (locked)
          await endSettlement(
            trx,
            locked,
            {
              status: reason === "offer_expired" ? "lapsed" : "withdrawn",
              reason,
              actor: { type: "system" },
            },
            now,
          );
      });
      current = await latestVisible(db, scope);
    }
  }
  if (
    !current ||
    (current.status !== "offered" && current.status !== "accepted" && current.status !== "paid")
  ) {
    const made = await makeBandOffer(db, scope, overview, current ?? null, now);
    if (made) return { overview, settlement: await readSettlement(db, made) };
  }
  return { overview, settlement: current ? await readSettlement(db, current.id) : null };
}

async function lockOpen(trx: Trx, id: string, status: SettlementStatus) {
  return trx
    .selectFrom("settlements")
    .select(["id", "account_id", "borrower_id", "status"])
    .where("id", "=", id)
    .where("status", "=", status)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * A band offer for an account in a band with nothing open: no open plan, no open settlement, and no
 * settlement the borrower accepted and then let lapse (after that, only staff may offer again).
 */
async function makeBandOffer(
  db: Db,
  scope: Scope,
  overview: AccountOverview,
  previous: { status: SettlementStatus; accepted_at: Date | null } | null,
  now: Date,
): Promise<string | null> {
  if (overview.balanceMinor <= 0 || overview.dpd <= 0) return null;
  const { version, policy } = await activeSettlementPolicy(db);
  const band = matchBand(policy, {
    product: overview.product,
    currency: overview.currency,
    dpd: overview.dpd,
  });
  if (!band) return null;
  if (await brokeBefore(db, scope, previous)) return null;
  const openPlan = await db
    .selectFrom("instalment_plans")
    .select("id")
    .where("account_id", "=", scope.accountId)
    .where("status", "in", OPEN_PLAN_STATUSES)
    .executeTakeFirst();
  if (openPlan) return null;
  const offer = bandOffer(band, overview.balanceMinor);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("settlements")
      .values({
        account_id: scope.accountId,
        borrower_id: scope.borrowerId,
        origin: "band",
        status: "offered",
        currency: overview.currency,
        balance_minor: overview.balanceMinor,
        discount_bp: offer.discountBp,
        agreed_minor: offer.agreedMinor,
        payment_counts: offer.paymentCounts.filter((c) => c <= offer.agreedMinor),
        window_days: offer.windowDays,
        expires_at: new Date(now.getTime() + offer.validityDays * 86_400_000),
        policy_version: version,
        created_at: now,
        updated_at: now,
      })
      // Two page views at once: the second finds the first one's offer (one open settlement per account).
      .onConflict((oc) => oc.column("account_id").where("status", "in", OPEN_SETTLEMENT_STATUSES).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) return null;
    await announceOffer(
      trx,
      {
        id: row.id,
        ...scope,
        agreedMinor: offer.agreedMinor,
        currency: overview.currency,
        discountBp: offer.discountBp,
        policyVersion: version,
      },
      now,
    );
    return row.id;
  });
}

async function brokeBefore(
  db: Db,
  scope: Scope,
  previous: { status: SettlementStatus; accepted_at: Date | null } | null,
): Promise<boolean> {
  if (previous?.status === "lapsed" && previous.accepted_at) return true;
  const broken = await db
    .selectFrom("settlements")
    .select("id")
    .where("account_id", "=", scope.accountId)
    .where("status", "=", "lapsed")
    .where("accepted_at", "is not", null)
    .executeTakeFirst();
  return broken !== undefined;
}

/** The bank event and audit row of an offer the borrower can now see (a band offer, or an approved staff one). */
export async function announceOffer(
  trx: Trx,
  o: {
    id: string;
    borrowerId: string;
    accountId: string;
    agreedMinor: number;
    currency: string;
    discountBp: number;
    policyVersion: number | null;
  },
  now: Date,
  actor: { type: "system" | "staff"; id?: string } = { type: "system" },
) {
  await emitBankEvent(trx, {
    type: "settlement.offered",
    accountId: o.accountId,
    borrowerId: o.borrowerId,
    payload: {
      settlementId: o.id,
      agreedMinor: o.agreedMinor,
      currency: o.currency,
      discountBp: o.discountBp,
    },
    now,
  });
  await appendAudit(
    trx,
    {
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: "settlement.offered",
      subjectType: "settlement",
      subjectId: o.id,
      borrowerId: o.borrowerId,
      detail: {
        accountId: o.accountId,
        agreedMinor: o.agreedMinor,
        discountBp: o.discountBp,
        policyVersion: o.policyVersion,
      },
    },
    now,
  );
}

/** The schedule and terms of an offer for one payment count, as shown before accepting. */
export async function offerTerms(
  db: Db | Trx,
  scope: Scope,
  s: Pick<SettlementView, "currency" | "balanceMinor" | "agreedMinor" | "windowDays">,
  count: number,
  locale: SupportedLocale,
  now: Date,
): Promise<{ payments: SettlementPaymentPlan[]; termsText: string }> {
  const who = await db
    .selectFrom("borrowers")
    .innerJoin("accounts", "accounts.borrower_id", "borrowers.id")
    .select(["borrowers.time_zone", "accounts.last4"])
    .where("accounts.id", "=", scope.accountId)
    .where("borrowers.id", "=", scope.borrowerId)
    .executeTakeFirstOrThrow();
  const today = isoDateFromEpochDay(localEpochDay(now.getTime(), who.time_zone));
  const payments = settlementSchedule(s.agreedMinor, count, today, s.windowDays);
  const { policy } = await activeSettlementPolicy(db);
  const termsText = await renderSettlementTerms(locale, {
    last4: who.last4,
    currency: s.currency,
    balanceMinor: s.balanceMinor,
    agreedMinor: s.agreedMinor,
    balanceDate: today,
    graceDays: policy.graceDays,
    payments,
  });
  return { payments, termsText };
}
