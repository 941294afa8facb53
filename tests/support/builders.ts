import { randomBytes, randomInt } from "node:crypto";
import type { Kysely } from "kysely";
import type {
  Account,
  Borrower,
  Database,
  InstalmentPlan,
  NewAccount,
  NewBorrower,
  NewInstalmentPlan,
  NewMessage,
  NewPayment,
  NewPromiseToPay,
  NewStaffUser,
  Payment,
  PromiseToPay,
  StaffUser,
  Message,
} from "../../db/schema";

/**
 * Insert helpers for integration tests: each call makes a new, valid row with
 * unique keys, and the caller overrides only what its test is about.
 */

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

function uniquePhone(): string {
  return `+8529${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
}

export async function insertBorrower(
  db: Kysely<Database>,
  overrides: Partial<NewBorrower> = {},
): Promise<Borrower> {
  return db
    .insertInto("borrowers")
    .values({
      external_ref: unique("B"),
      full_name: "Test Borrower",
      phone_e164: uniquePhone(),
      locale: "en",
      time_zone: "Asia/Hong_Kong",
      jurisdiction: "HK",
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An account for `borrowerId`, or for a new borrower when none is given. */
export async function insertAccount(
  db: Kysely<Database>,
  overrides: Partial<NewAccount> = {},
): Promise<Account> {
  const borrowerId = overrides.borrower_id ?? (await insertBorrower(db)).id;
  return db
    .insertInto("accounts")
    .values({
      external_ref: unique("A"),
      product: "credit_card",
      last4: "1234",
      currency: "HKD",
      balance_minor: 500_000,
      overdue_minor: 50_000,
      minimum_due_minor: 20_000,
      due_date: "2030-01-31",
      dpd: 5,
      status: "delinquent",
      ...overrides,
      borrower_id: borrowerId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertStaffUser(
  db: Kysely<Database>,
  overrides: Partial<NewStaffUser> = {},
): Promise<StaffUser> {
  return db
    .insertInto("staff_users")
    .values({
      email: `${unique("staff").toLowerCase()}@bank.example`,
      display_name: "Test Staff",
      role: "approver",
      password_hash: "$argon2id$v=19$m=19456,t=2,p=1$placeholder$placeholder",
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertPayment(
  db: Kysely<Database>,
  account: Account,
  overrides: Partial<NewPayment> = {},
): Promise<Payment> {
  return db
    .insertInto("payments")
    .values({
      account_id: account.id,
      borrower_id: account.borrower_id,
      amount_minor: 10_000,
      currency: account.currency,
      source: "portal",
      idempotency_key: unique("pay"),
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertPlan(
  db: Kysely<Database>,
  account: Account,
  overrides: Partial<NewInstalmentPlan> = {},
): Promise<InstalmentPlan> {
  return db
    .insertInto("instalment_plans")
    .values({
      account_id: account.id,
      borrower_id: account.borrower_id,
      total_minor: 60_000,
      currency: account.currency,
      instalment_count: 3,
      first_due_date: "2030-02-01",
      proposed_by: "borrower",
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertPromise(
  db: Kysely<Database>,
  account: Account,
  overrides: Partial<NewPromiseToPay> = {},
): Promise<PromiseToPay> {
  return db
    .insertInto("promises_to_pay")
    .values({
      account_id: account.id,
      borrower_id: account.borrower_id,
      amount_minor: 20_000,
      currency: account.currency,
      promised_date: "2030-01-10",
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertMessage(
  db: Kysely<Database>,
  account: Account,
  overrides: Partial<NewMessage> = {},
): Promise<Message> {
  return db
    .insertInto("messages")
    .values({
      borrower_id: account.borrower_id,
      account_id: account.id,
      direction: "outbound",
      channel: "sms",
      body: "Reminder",
      to_address: "+85291234567",
      provider: "stub",
      status: "queued",
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertAuditEvent(
  db: Kysely<Database>,
  overrides: { borrower_id?: string | null; action?: string } = {},
) {
  return db
    .insertInto("audit_events")
    .values({
      actor_type: "system",
      action: overrides.action ?? "test.event",
      subject_type: "borrower",
      borrower_id: overrides.borrower_id ?? null,
      hash: randomBytes(32).toString("hex"),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
