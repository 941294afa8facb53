import { sql, type Kysely } from "kysely";
import type { Database, Product } from "../../db/schema";
import type { BorrowerSession } from "../services/borrower-session.server";

export type NextStep = "current" | "early" | "mid" | "late" | "serious" | "paid";

/**
 * The verified overview (DESIGN §3.4). Every query is scoped by the session's
 * borrower AND account, so one borrower's session can never read another's account.
 * Balance shown = last imported balance minus portal payments recorded since, marked pending.
 */
export async function getAccountOverview(db: Kysely<Database>, session: BorrowerSession) {
  const account = await db
    .selectFrom("accounts")
    .select([
      "id",
      "last4",
      "product",
      "currency",
      "balance_minor",
      "overdue_minor",
      "minimum_due_minor",
      "fees_minor",
      "interest_minor",
      "due_date",
      "dpd",
      "status",
      "balance_as_of",
    ])
    .where("id", "=", session.accountId)
    .where("borrower_id", "=", session.borrowerId)
    .executeTakeFirstOrThrow();
  const pendingMinor = await pendingPaymentsMinor(db, { accountId: account.id, borrowerId: session.borrowerId, since: account.balance_as_of });
  const clamp = (n: number) => netOfPending(n, pendingMinor);
  return {
    last4: account.last4,
    product: account.product as Product,
    currency: account.currency,
    balanceMinor: clamp(account.balance_minor),
    overdueMinor: clamp(account.overdue_minor),
    minimumDueMinor: clamp(account.minimum_due_minor),
    feesAndInterestMinor: account.fees_minor + account.interest_minor,
    pendingMinor,
    dueDate: account.due_date,
    dpd: account.dpd,
    balanceAsOf: account.balance_as_of.toISOString().slice(0, 10),
    nextStep: nextStep(account.status, account.dpd, account.balance_minor - pendingMinor),
  };
}

/**
 * Portal payments that succeeded after the last imported balance and that the
 * bank has not confirmed yet: the amounts the borrower sees are net of these.
 */
export async function pendingPaymentsMinor(
  db: Kysely<Database>,
  scope: { accountId: string; borrowerId: string; since: Date },
): Promise<number> {
  const { pending } = await db
    .selectFrom("payments")
    .select(sql<number>`coalesce(sum(amount_minor), 0)::bigint`.as("pending"))
    .where("account_id", "=", scope.accountId)
    .where("borrower_id", "=", scope.borrowerId)
    .where("status", "=", "succeeded")
    .where("bank_confirmed_at", "is", null)
    .where("succeeded_at", ">", scope.since)
    .executeTakeFirstOrThrow();
  return Number(pending);
}

/** An imported amount less pending payments, never below zero. */
export function netOfPending(minor: number, pendingMinor: number): number {
  return Math.max(0, minor - pendingMinor);
}

function nextStep(status: string, dpd: number, balance: number): NextStep {
  if (status === "paid" || status === "closed" || balance <= 0) return "paid";
  if (dpd <= 0) return "current";
  if (dpd < 7) return "early";
  if (dpd < 30) return "mid";
  if (dpd < 60) return "late";
  return "serious";
}
