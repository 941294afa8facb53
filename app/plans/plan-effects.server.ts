import type { Kysely, Transaction } from "kysely";
import type { Database, InstalmentPlan, Locale, PlanStatus } from "../../db/schema";
import { splitIntoInstalments, type Instalment } from "../domain/instalments";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import type { ConfirmationKind } from "../domain/sms-templates";
import { netOfPending, pendingPaymentsMinor } from "../borrower/overview.server";
import type { SessionScope } from "../borrower/action-scope.server";
import { queueSms, smsAmount, smsDate } from "../messaging/outbound-sms.server";

/**
 * The building blocks plans.server.ts composes: the numbers a plan starts
 * from (amount to settle, borrower's calendar day, recent broken plans) and
 * the side effects every plan transition shares (instalments, task, SMS).
 * Each runs inside the caller's transaction.
 */
type Trx = Transaction<Database>;

/** What a plan operation needs of a borrower session: whose account it is, and the staff member entering it for them, if any. */
export type PlanSession = SessionScope;
type Db = Kysely<Database> | Trx;

const PLAN_REVIEW_SOURCE = "instalment_plan";

/** The borrower's calendar day at `now` in their own time zone (plans are dated on their calendar). */
export async function borrowerToday(db: Db, borrowerId: string, now: Date): Promise<string> {
  const { time_zone } = await db
    .selectFrom("borrowers")
    .select("time_zone")
    .where("id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  return isoDateFromEpochDay(localEpochDay(now.getTime(), time_zone));
}

/**
 * The amount a plan settles: the account's current balance, i.e. the last
 * imported balance less portal payments recorded since (the overview's figure).
 * Zero for paid or closed accounts. `lock` holds the account row so two
 * proposals for one account are decided one after the other.
 */
export async function amountToSettle(
  db: Db,
  scope: { borrowerId: string; accountId: string },
  opts: { lock?: boolean } = {},
) {
  let query = db
    .selectFrom("accounts")
    .select(["id", "currency", "balance_minor", "balance_as_of", "status"])
    .where("id", "=", scope.accountId)
    .where("borrower_id", "=", scope.borrowerId);
  if (opts.lock) query = query.forUpdate();
  const account = await query.executeTakeFirst();
  if (!account) return null;
  const pending = await pendingPaymentsMinor(db, { ...scope, since: account.balance_as_of });
  const closed = account.status === "paid" || account.status === "closed";
  return {
    currency: account.currency,
    totalMinor: closed ? 0 : netOfPending(account.balance_minor, pending),
  };
}

/**
 * A broken plan on any of the borrower's accounts within the look-back window (docs/product-rules.md §7.3).
 */
export async function hasRecentBrokenPlan(
  db: Db,
  borrowerId: string,
  now: Date,
  lookbackDays: number,
): Promise<boolean> {
  const row = await db
    .selectFrom("instalment_plans")
    .select("id")
    .where("borrower_id", "=", borrowerId)
    .where("status", "=", "broken")
    .where("updated_at", ">", new Date(now.getTime() - lookbackDays * 86_400_000))
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

export async function findOpenPlan(db: Db, accountId: string) {
  return db
    .selectFrom("instalment_plans")
    .select(["id", "status"])
    .where("account_id", "=", accountId)
    .where("status", "in", ["proposed", "approved", "active"])
    .executeTakeFirst();
}

/** Writes the schedule of a plan that has just become active; the planner reads these rows. */
export async function writeInstalments(
  trx: Trx,
  plan: Pick<InstalmentPlan, "id" | "total_minor" | "instalment_count" | "first_due_date" | "frequency">,
): Promise<Instalment[]> {
  const instalments = splitIntoInstalments({
    totalMinor: plan.total_minor,
    count: plan.instalment_count,
    firstDueDate: plan.first_due_date,
    frequency: plan.frequency,
  });
  await trx
    .insertInto("instalments")
    .values(
      instalments.map((i) => ({
        plan_id: plan.id,
        seq: i.seq,
        due_date: i.dueDate,
        amount_minor: i.amountMinor,
      })),
    )
    .execute();
  return instalments;
}

export async function openReviewTask(
  trx: Trx,
  plan: { id: string; borrowerId: string; accountId: string },
  now: Date,
) {
  await trx
    .insertInto("tasks")
    .values({
      kind: "plan_review",
      borrower_id: plan.borrowerId,
      account_id: plan.accountId,
      status: "open",
      due_at: now,
      source_type: PLAN_REVIEW_SOURCE,
      source_id: plan.id,
      dedupe_key: `plan_review:${plan.id}`,
      created_at: now,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
}

/** Closes the approver task of a plan once it is decided (by staff or by the borrower). */
export async function resolveReviewTask(
  trx: Trx,
  planId: string,
  outcome: PlanStatus | "accepted" | "declined",
  now: Date,
) {
  await trx
    .updateTable("tasks")
    .set({ status: "done", resolved_at: now, outcome })
    .where("kind", "=", "plan_review")
    .where("source_type", "=", PLAN_REVIEW_SOURCE)
    .where("source_id", "=", planId)
    .where("status", "=", "open")
    .execute();
}

type PlanConfirmation = Extract<
  ConfirmationKind,
  "plan_submitted" | "plan_approved" | "plan_rejected" | "plan_countered"
>;

/**
 * The borrower's confirmation text for a plan event (skipped by queueSms when
 * they opted out). Approved texts carry the first instalment; rejected and
 * countered ones carry a fresh link back to the portal.
 */
export async function textBorrower(
  trx: Trx,
  plan: { id: string; borrowerId: string; accountId: string; currency: string },
  kind: PlanConfirmation,
  now: Date,
  first?: Instalment,
) {
  let vars: Record<string, string> = {};
  if (kind === "plan_approved") {
    if (!first) throw new Error("an approval text needs the first instalment");
    const locale = await smsLocale(trx, plan.borrowerId);
    vars = {
      amount: smsAmount(first.amountMinor, plan.currency, locale),
      dueDate: smsDate(first.dueDate, locale),
    };
  }
  return queueSms(trx, {
    borrowerId: plan.borrowerId,
    accountId: plan.accountId,
    templateKey: `confirmation.${kind}`,
    purpose: "confirmation",
    vars,
    dedupeKey: `plan:${plan.id}:${kind}`,
    now,
  });
}

/** The language queueSms renders in, so the values we pre-format match it. */
async function smsLocale(trx: Trx, borrowerId: string): Promise<Locale> {
  const row = await trx
    .selectFrom("borrowers")
    .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
    .select(["borrowers.locale", "contact_preferences.preferred_locale"])
    .where("borrowers.id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  return row.preferred_locale ?? row.locale;
}

/** Postgres' answer to a second open plan on one account (the partial unique index). */
export function isOpenPlanConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === "instalment_plans_one_open_per_account";
}

export function isFourEyesViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return (
    e?.code === "23514" &&
    (e.constraint === "instalment_plans_four_eyes" || e.constraint === "instalment_plans_four_eyes_entered")
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids arrive from forms and the console: anything else is "not found", not a database error. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
