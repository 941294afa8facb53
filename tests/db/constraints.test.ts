import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  insertAccount,
  insertAuditEvent,
  insertBorrower,
  insertMessage,
  insertPayment,
  insertPlan,
  insertPromise,
  insertStaffUser,
} from "../support/builders";

const CHECK = "23514";
const UNIQUE = "23505";
const FOREIGN_KEY = "23503";
const APPEND_ONLY = "23001"; // restrict_violation, raised by the audit_events trigger

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** The rejection carries the SQLSTATE and, where Postgres names one, the constraint. */
function rejectsWith(promise: Promise<unknown>, code: string, constraint?: string) {
  return expect(promise).rejects.toMatchObject(constraint ? { code, constraint } : { code });
}

describe("money", () => {
  it("rejects a negative or zero payment", async () => {
    const account = await insertAccount(t.db);
    await rejectsWith(
      insertPayment(t.db, account, { amount_minor: -1 }),
      CHECK,
      "payments_amount_minor_range",
    );
    await rejectsWith(
      insertPayment(t.db, account, { amount_minor: 0 }),
      CHECK,
      "payments_amount_minor_range",
    );
  });

  it("rejects a negative balance and a negative overdue amount", async () => {
    await rejectsWith(insertAccount(t.db, { balance_minor: -100 }), CHECK, "accounts_balance_minor_range");
    await rejectsWith(insertAccount(t.db, { overdue_minor: -1 }), CHECK, "accounts_overdue_minor_range");
  });

  it("rejects a lower-case or malformed currency", async () => {
    await rejectsWith(insertAccount(t.db, { currency: "hkd" }), CHECK, "accounts_currency_iso");
    const account = await insertAccount(t.db);
    await rejectsWith(insertPayment(t.db, account, { currency: "gbp" }), CHECK, "payments_currency_iso");
    await rejectsWith(insertPayment(t.db, account, { currency: "H1D" }), CHECK, "payments_currency_iso");
  });

  it("rejects an instalment paid beyond its amount", async () => {
    const plan = await insertPlan(t.db, await insertAccount(t.db));
    const instalment = { plan_id: plan.id, seq: 1, due_date: "2030-02-01", amount_minor: 20_000 };
    await rejectsWith(
      t.db
        .insertInto("instalments")
        .values({ ...instalment, paid_minor: 20_001 })
        .execute(),
      CHECK,
      "instalments_paid_within_amount",
    );
    await t.db
      .insertInto("instalments")
      .values({ ...instalment, paid_minor: 20_000, status: "paid" })
      .execute();
    await rejectsWith(
      t.db
        .insertInto("instalments")
        .values({ ...instalment, due_date: "2030-03-01" })
        .execute(),
      UNIQUE,
      "instalments_plan_id_seq_key",
    );
  });
});

describe("idempotency keys", () => {
  it("rejects a second payment with the same idempotency key", async () => {
    const account = await insertAccount(t.db);
    await insertPayment(t.db, account, { idempotency_key: "checkout:attempt-1" });
    await rejectsWith(
      insertPayment(t.db, account, { idempotency_key: "checkout:attempt-1" }),
      UNIQUE,
      "payments_idempotency_key_key",
    );
  });

  it("rejects a second message with the same dedupe key, but allows many without one", async () => {
    const account = await insertAccount(t.db);
    const key = `${account.id}:early:2030-01-05`;
    await insertMessage(t.db, account, { dedupe_key: key });
    await rejectsWith(insertMessage(t.db, account, { dedupe_key: key }), UNIQUE, "messages_dedupe_key_key");
    await insertMessage(t.db, account);
    await insertMessage(t.db, account);
  });

  it("rejects a duplicate provider message id from the same provider only", async () => {
    const account = await insertAccount(t.db);
    await insertMessage(t.db, account, { provider: "twilio", provider_message_id: "SM1" });
    await insertMessage(t.db, account, { provider: "other", provider_message_id: "SM1" });
    await rejectsWith(
      insertMessage(t.db, account, { provider: "twilio", provider_message_id: "SM1" }),
      UNIQUE,
    );
  });

  it("stores each Stripe event once", async () => {
    const event = { id: "evt_123", type: "checkout.session.completed", payload: { id: "evt_123" } };
    await t.db.insertInto("stripe_events").values(event).execute();
    await rejectsWith(t.db.insertInto("stripe_events").values(event).execute(), UNIQUE, "stripe_events_pkey");
  });
});

describe("states", () => {
  it("rejects an unknown account status", async () => {
    await rejectsWith(insertAccount(t.db, { status: "bogus" as never }), CHECK, "accounts_status_valid");
  });

  it("rejects an unknown plan status and an instalment count outside 2..12", async () => {
    const account = await insertAccount(t.db);
    await rejectsWith(
      insertPlan(t.db, account, { status: "maybe" as never }),
      CHECK,
      "instalment_plans_status_valid",
    );
    await rejectsWith(
      insertPlan(t.db, account, { instalment_count: 13 }),
      CHECK,
      "instalment_plans_instalment_count_range",
    );
    await rejectsWith(
      insertPlan(t.db, account, { instalment_count: 1 }),
      CHECK,
      "instalment_plans_instalment_count_range",
    );
  });

  it("rejects an invalid phone number, locale and last4", async () => {
    await rejectsWith(insertBorrower(t.db, { phone_e164: "91234567" }), CHECK, "borrowers_phone_e164_format");
    await rejectsWith(insertBorrower(t.db, { locale: "fr" as never }), CHECK, "borrowers_locale_valid");
    await rejectsWith(insertAccount(t.db, { last4: "12a4" }), CHECK, "accounts_last4_format");
  });

  it("requires a contact window to have both ends in order", async () => {
    const borrower = await insertBorrower(t.db);
    const prefs = t.db.insertInto("contact_preferences");
    await rejectsWith(prefs.values({ borrower_id: borrower.id, window_start: "09:00" }).execute(), CHECK);
    await rejectsWith(
      prefs.values({ borrower_id: borrower.id, window_start: "18:00", window_end: "09:00" }).execute(),
      CHECK,
    );
    await rejectsWith(prefs.values({ borrower_id: borrower.id, max_per_week: 22 }).execute(), CHECK);
    await prefs
      .values({ borrower_id: borrower.id, window_start: "09:00", window_end: "18:00", max_per_week: 3 })
      .execute();
  });

  it("keeps staff emails lower case and free text bounded", async () => {
    await rejectsWith(
      insertStaffUser(t.db, { email: "Agent@Bank.example" }),
      CHECK,
      "staff_users_email_lower",
    );
    const borrower = await insertBorrower(t.db);
    const complaint = { borrower_id: borrower.id, ack_number: "C-1", category: "conduct" as const };
    await rejectsWith(
      t.db
        .insertInto("complaints")
        .values({ ...complaint, body: "x".repeat(4001) })
        .execute(),
      CHECK,
      "complaints_body_length",
    );
    await t.db
      .insertInto("complaints")
      .values({ ...complaint, body: "x".repeat(4000) })
      .execute();
  });
});

describe("one open arrangement per account", () => {
  it("rejects a second open plan, and allows a new one once the first is closed", async () => {
    const account = await insertAccount(t.db);
    const first = await insertPlan(t.db, account);
    await rejectsWith(insertPlan(t.db, account), UNIQUE, "instalment_plans_one_open_per_account");
    await t.db
      .updateTable("instalment_plans")
      .set({ status: "rejected" })
      .where("id", "=", first.id)
      .execute();
    await insertPlan(t.db, account);
  });

  it("lets a countered plan be replaced by its counter-offer, written by one approver and decided by another", async () => {
    const account = await insertAccount(t.db);
    const [author, other] = [await insertStaffUser(t.db), await insertStaffUser(t.db)];
    const original = await insertPlan(t.db, account);
    await t.db
      .updateTable("instalment_plans")
      .set({ status: "countered" })
      .where("id", "=", original.id)
      .execute();
    const counter = await insertPlan(t.db, account, {
      proposed_by: "staff",
      proposed_by_staff_id: author.id,
      counter_of_plan_id: original.id,
    });
    await rejectsWith(
      t.db
        .updateTable("instalment_plans")
        .set({ decided_by_staff_id: author.id })
        .where("id", "=", counter.id)
        .execute(),
      CHECK,
      "instalment_plans_four_eyes",
    );
    await t.db
      .updateTable("instalment_plans")
      .set({ decided_by_staff_id: other.id, status: "approved" })
      .where("id", "=", counter.id)
      .execute();
  });

  it("rejects a staff proposal without its author", async () => {
    await rejectsWith(
      insertPlan(t.db, await insertAccount(t.db), { proposed_by: "staff" }),
      CHECK,
      "instalment_plans_staff_proposal_has_staff",
    );
  });

  it("rejects a second active promise to pay", async () => {
    const account = await insertAccount(t.db);
    const first = await insertPromise(t.db, account);
    await rejectsWith(insertPromise(t.db, account), UNIQUE, "promises_to_pay_one_active_per_account");
    await t.db.updateTable("promises_to_pay").set({ status: "kept" }).where("id", "=", first.id).execute();
    await insertPromise(t.db, account);
  });

  it("allows only one active contact policy", async () => {
    await t.db.insertInto("contact_policies").values({ version: 1, policy: {}, active: true }).execute();
    await rejectsWith(
      t.db.insertInto("contact_policies").values({ version: 2, policy: {}, active: true }).execute(),
      UNIQUE,
      "contact_policies_one_active",
    );
  });
});

describe("foreign keys", () => {
  it("rejects an account for a borrower that does not exist", async () => {
    await rejectsWith(
      insertAccount(t.db, { borrower_id: "00000000-0000-4000-8000-000000000000" }),
      FOREIGN_KEY,
    );
  });

  it("rejects a payment whose borrower does not own the account", async () => {
    const account = await insertAccount(t.db);
    const stranger = await insertBorrower(t.db);
    await rejectsWith(
      insertPayment(t.db, account, { borrower_id: stranger.id }),
      FOREIGN_KEY,
      "payments_account_borrower_fk",
    );
  });

  it("rejects a short link for a borrower that is not the account's, or for a borrower that does not exist", async () => {
    const account = await insertAccount(t.db);
    const stranger = await insertBorrower(t.db);
    const link = (borrowerId: string, hash: string) =>
      t.db
        .insertInto("short_links")
        .values({
          code_hash: hash,
          key_id: "1",
          borrower_id: borrowerId,
          account_id: account.id,
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .execute();
    await rejectsWith(link(stranger.id, "fk-test-stranger"), FOREIGN_KEY, "short_links_account_borrower_fk");
    await rejectsWith(
      link("00000000-0000-4000-8000-000000000000", "fk-test-missing"),
      FOREIGN_KEY,
      "short_links_account_borrower_fk",
    );
    await expect(link(account.borrower_id, "fk-test-owner")).resolves.toBeDefined();
  });

  it("rejects deleting a borrower who still has accounts", async () => {
    const account = await insertAccount(t.db);
    await rejectsWith(
      t.db.deleteFrom("borrowers").where("id", "=", account.borrower_id).execute(),
      FOREIGN_KEY,
    );
  });
});

describe("audit log", () => {
  it("accepts inserts but rejects UPDATE, DELETE and TRUNCATE", async () => {
    const event = await insertAuditEvent(t.db);
    await rejectsWith(
      t.db.updateTable("audit_events").set({ action: "tampered" }).where("id", "=", event.id).execute(),
      APPEND_ONLY,
    );
    await rejectsWith(t.db.deleteFrom("audit_events").where("id", "=", event.id).execute(), APPEND_ONLY);
    // CASCADE: audit_anchors references the log, so a plain TRUNCATE stops at the foreign key before the trigger.
    await rejectsWith(sql`truncate audit_events cascade`.execute(t.db), APPEND_ONLY);
    const row = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("id", "=", event.id)
      .executeTakeFirstOrThrow();
    expect(row.action).toBe("test.event");
  });

  it("rejects a repeated hash", async () => {
    const event = await insertAuditEvent(t.db);
    await rejectsWith(
      t.db
        .insertInto("audit_events")
        .values({ actor_type: "system", action: "x", subject_type: "y", hash: event.hash })
        .execute(),
      UNIQUE,
      "audit_events_hash_key",
    );
  });
});

describe("column types as the app sees them", () => {
  it("returns bigint money as numbers, dates as strings and timestamps as Dates", async () => {
    const account = await insertAccount(t.db, {
      balance_minor: 9_007_199_254_740_991,
      due_date: "2030-12-31",
    });
    expect(account.balance_minor).toBe(Number.MAX_SAFE_INTEGER);
    expect(account.due_date).toBe("2030-12-31");
    expect(account.created_at).toBeInstanceOf(Date);
  });
});
