import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action, loader } from "../../app/routes/staff.borrowers.$borrowerId_.data";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { linkAction } from "../../app/portal/landing.server";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { runSchedule } from "../../app/engine/planner.server";
import { EXPORT_SECTIONS, type BorrowerExport } from "../../app/staff/data-export.server";
import type { StaffUser } from "../../db/schema";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { syntheticRecord } from "../support/synthetic-import";
import { insertMessage, insertPayment, insertPlan, insertPromise } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "../staff/support";

/**
 * Data rights (issue #19 item 4, docs/product-rules.md §10.12), through the console's route as a browser
 * calls it: an export holds every class of data about the borrower and nothing of another; erasure
 * removes what it should, keeps payments, the audit log, the ledger and the complaint, stops every
 * contact and every verification, and is idempotent. Both are audited with their reason.
 */
let t: TestDatabase;
let supervisor: StaffUser;
let supervisorCookie: string;
let adminCookie: string;
beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: supervisor } = await enrolledStaff(t.db, "supervisor"));
  supervisorCookie = await signedInCookie(t.db, supervisor);
  adminCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "admin")).user);
});
afterAll(async () => {
  await t.destroy();
});

/** A borrower with a row of every class the export covers, each holding a tag of theirs. */
async function richBorrower() {
  const f = await borrowerWithLink(t.db);
  const tag = randomBytes(4).toString("hex");
  const { account, borrower } = f;
  await t.db
    .insertInto("contact_preferences")
    .values({ borrower_id: borrower.id, max_per_week: 3 })
    .execute();
  await t.db.insertInto("verification_attempts").values({ link_id: f.link.id, succeeded: false }).execute();
  await t.db
    .updateTable("borrowers")
    .set({
      email: `b${tag}@example.test`,
      full_name: `Chan ${tag}`,
      address_line1: `${tag} Harbour Road`,
      address_country: "HK",
    })
    .where("id", "=", borrower.id)
    .execute();
  await insertMessage(t.db, account, { body: `Reminder ${tag}`, status: "queued" });
  const payment = await insertPayment(t.db, account, { status: "succeeded", succeeded_at: new Date() });
  await t.db
    .insertInto("payment_allocations")
    .values({ payment_id: payment.id, amount_minor: 10_000, currency: account.currency, reason: "payment" })
    .execute();
  const plan = await insertPlan(t.db, account, { status: "active" });
  await t.db
    .insertInto("instalments")
    .values({ plan_id: plan.id, seq: 1, due_date: "2030-02-01", amount_minor: 20_000 })
    .execute();
  await insertPromise(t.db, account);
  await t.db
    .insertInto("hardship_reports")
    .values({
      borrower_id: borrower.id,
      account_id: account.id,
      reason: "illness",
      details: `hospital ${tag}`,
      currency: "HKD",
    })
    .execute();
  const complaint = await t.db
    .insertInto("complaints")
    .values({
      borrower_id: borrower.id,
      account_id: account.id,
      ack_number: `C-${tag}`,
      category: "conduct",
      body: `rude ${tag}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto("case_events")
    .values({
      case_type: "hardship",
      case_id: complaint.id,
      borrower_id: borrower.id,
      staff_user_id: supervisor.id,
      kind: "note",
      body: `case note ${tag}`,
    })
    .execute();
  await t.db
    .insertInto("notes")
    .values({ borrower_id: borrower.id, staff_user_id: supervisor.id, body: `note ${tag}` })
    .execute();
  await t.db
    .insertInto("call_attempts")
    .values({ borrower_id: borrower.id, account_id: account.id, outcome: "no_answer" })
    .execute();
  await t.db
    .insertInto("visit_attempts")
    .values({ borrower_id: borrower.id, account_id: account.id, outcome: "not_home", notes: `visit ${tag}` })
    .execute();
  // "Not me" from the link: a consent entry, a task, an audit row and a bank event, as in production.
  const other = await borrowerWithLink(t.db);
  await linkAction(t.db, other.link.code, "not_me");
  await linkAction(t.db, f.link.code, "not_me");
  await startBorrowerSession(t.db, { borrowerId: borrower.id, accountId: account.id, linkId: f.link.id });
  return { ...f, tag, payment, other };
}

const route = (borrowerId: string, query = "") => `/staff/borrowers/${borrowerId}/data${query}`;
const call = (fn: typeof loader | typeof action, request: Request, borrowerId: string) =>
  outcome(() => fn({ request, params: { borrowerId }, context: staffContext(t.db) }));
const auditOf = (borrowerId: string, actionName: string) =>
  t.db
    .selectFrom("audit_events")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .where("action", "=", actionName)
    .execute();

describe("data export", () => {
  it("holds every class of data about the borrower, no credential, and nothing of another borrower", async () => {
    const r = await richBorrower();
    const started = await call(
      action,
      post(route(r.borrower.id), { intent: "export", reason: "SAR-2026-001" }, supervisorCookie),
      r.borrower.id,
    );
    expect(started.status).toBe(303);
    const exportId = new URL(started.location!, "http://x").searchParams.get("export")!;
    const [audit] = await auditOf(r.borrower.id, "data.export_started");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: supervisor.id, subject_id: exportId });
    expect(audit!.detail).toMatchObject({ reason: "SAR-2026-001" });

    const download = await outcome(async () => {
      const res = (await loader({
        request: get(route(r.borrower.id, `?export=${exportId}&format=json`), supervisorCookie),
        params: { borrowerId: r.borrower.id },
        context: staffContext(t.db),
      })) as Response;
      return res;
    });
    expect(download.status).toBe(200);
    const doc = download.data as BorrowerExport;
    for (const section of EXPORT_SECTIONS) expect(doc[section].length, section).toBeGreaterThan(0);
    const text = JSON.stringify(doc);
    expect(text).toContain(r.tag);
    for (const id of [r.other.borrower.id, r.other.account.id, r.other.link.id])
      expect(text).not.toContain(id);
    for (const secret of ["dob_hash", "id_last4_hash", "link_code_sealed", r.link.code])
      expect(text).not.toContain(secret);
    expect(await auditOf(r.borrower.id, "data.export_viewed")).toHaveLength(1);

    const page = await call(
      loader,
      get(route(r.borrower.id, `?export=${exportId}`), supervisorCookie),
      r.borrower.id,
    );
    expect(page.status).toBe(200);
    expect((page.data as { opened: { content: BorrowerExport } }).opened.content.consent).toHaveLength(2);
  });

  it("an agent may not start one, and a missing reason is a 400 that writes nothing", async () => {
    const r = await borrowerWithLink(t.db);
    const agentCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "agent")).user);
    expect(
      (
        await call(
          action,
          post(route(r.borrower.id), { intent: "export", reason: "x1" }, agentCookie),
          r.borrower.id,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          action,
          post(route(r.borrower.id), { intent: "export", reason: "" }, supervisorCookie),
          r.borrower.id,
        )
      ).status,
    ).toBe(400);
    expect(
      await t.db.selectFrom("data_exports").select("id").where("borrower_id", "=", r.borrower.id).execute(),
    ).toEqual([]);
  });
});

describe("erasure", () => {
  it("removes personal data and free text, keeps payments, audit, ledger and complaint, and ends contact and verification", async () => {
    const r = await richBorrower();
    const wrong = await call(
      action,
      post(route(r.borrower.id), { intent: "erase", reason: "GDPR-17", confirm: "nope" }, adminCookie),
      r.borrower.id,
    );
    expect(wrong.status).toBe(400);
    expect(await auditOf(r.borrower.id, "data.borrower_erased")).toEqual([]);
    // Supervisors export; only admins erase.
    expect(
      (
        await call(
          action,
          post(
            route(r.borrower.id),
            { intent: "erase", reason: "GDPR-17", confirm: r.borrower.external_ref },
            supervisorCookie,
          ),
          r.borrower.id,
        )
      ).status,
    ).toBe(403);

    const auditBefore = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("borrower_id", "=", r.borrower.id)
      .execute();
    const erase = () =>
      call(
        action,
        post(
          route(r.borrower.id),
          { intent: "erase", reason: "GDPR-17", confirm: r.borrower.external_ref },
          adminCookie,
        ),
        r.borrower.id,
      );
    expect((await erase()).status).toBe(303);

    const b = await t.db
      .selectFrom("borrowers")
      .selectAll()
      .where("id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(b).toMatchObject({
      full_name: "[erased]",
      email: null,
      dob_hash: null,
      id_last4_hash: null,
      external_ref: r.borrower.external_ref,
    });
    expect(b.phone_e164).toMatch(/^\+999\d{11}$/);
    expect(b).toMatchObject({ address_line1: null, address_country: null });
    const visit = await t.db
      .selectFrom("visit_attempts")
      .select(["notes", "outcome"])
      .where("borrower_id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(visit).toEqual({ notes: "[erased]", outcome: "not_home" });
    expect(b.erased_at).not.toBeNull();
    const gone = await t.db
      .selectFrom("messages")
      .select(["body", "to_address", "status"])
      .where("borrower_id", "=", r.borrower.id)
      .execute();
    expect(
      gone.every((m) => m.body === "[erased]" && m.to_address === b.phone_e164 && m.status !== "queued"),
    ).toBe(true);
    const hardship = await t.db
      .selectFrom("hardship_reports")
      .select("details")
      .where("borrower_id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(hardship.details).toBe("[erased]");
    const note = await t.db
      .selectFrom("notes")
      .select("body")
      .where("borrower_id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(note.body).toBe("[erased]");
    // Kept: the complaint record, payments and their allocations, the account's reference, the audit log, the ledger.
    const complaint = await t.db
      .selectFrom("complaints")
      .select("body")
      .where("borrower_id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(complaint.body).toBe(`rude ${r.tag}`);
    const payment = await t.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", r.payment.id)
      .executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ status: "succeeded", amount_minor: r.payment.amount_minor });
    expect(
      await t.db
        .selectFrom("payment_allocations")
        .select("id")
        .where("payment_id", "=", r.payment.id)
        .execute(),
    ).toHaveLength(1);
    const account = await t.db
      .selectFrom("accounts")
      .select("external_ref")
      .where("id", "=", r.account.id)
      .executeTakeFirstOrThrow();
    expect(account.external_ref).toBe(r.account.external_ref);
    const auditAfter = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("borrower_id", "=", r.borrower.id)
      .execute();
    expect(auditAfter.map((a) => a.id)).toEqual(expect.arrayContaining(auditBefore.map((a) => a.id)));
    const ledger = await t.db
      .selectFrom("consent_events")
      .select(["channel", "action"])
      .where("borrower_id", "=", r.borrower.id)
      .orderBy("id")
      .execute();
    expect(ledger.slice(-3)).toEqual([
      { channel: "sms", action: "withdrawn" },
      { channel: "email", action: "withdrawn" },
      { channel: "call", action: "withdrawn" },
    ]);
    const [audit] = await auditOf(r.borrower.id, "data.borrower_erased");
    expect(audit!.detail).toMatchObject({ reason: "GDPR-17" });
    expect(JSON.stringify(audit)).not.toContain(r.tag);

    // The planner does not text them, and their link no longer verifies.
    await t.db
      .updateTable("accounts")
      .set({ dpd: 12, overdue_minor: 50_000, wrong_number_at: null })
      .where("id", "=", r.account.id)
      .execute();
    // Now, and when the schedule next looks (its active plan's instalment date): never a contact.
    const decided = async (now?: Date) => {
      const decisions: Array<{ action: string; at: string | null }> = [];
      await runSchedule(t.db, {
        dryRun: true,
        ...(now ? { now } : {}),
        onDecision: (l) => l.account === r.account.external_ref && decisions.push(l),
      });
      expect(decisions).toHaveLength(1);
      expect(decisions[0]!.action, JSON.stringify(decisions)).not.toBe("send");
      return decisions[0]!;
    };
    const first = await decided();
    if (first.at) await decided(new Date(first.at));
    expect(
      (
        await linkAction(t.db, r.link.code, "verify", {
          method: "dob",
          answer: r.dob,
          request: new Request("http://x/"),
          client: "198.51.100.9",
        })
      ).status,
    ).not.toBe("verified");

    // Idempotent: a second erasure writes nothing more.
    expect((await erase()).status).toBe(303);
    expect(await auditOf(r.borrower.id, "data.borrower_erased")).toHaveLength(1);

    // The bank's next push of the borrower does not fill the erased record in again.
    const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
    const res = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", {
        key,
        json: [
          {
            ...syntheticRecord(1, { prefix: "ER" }),
            account_ref: r.account.external_ref,
            borrower_ref: r.borrower.external_ref,
            full_name: "Chan Tai Man",
          },
        ],
      }),
    );
    expect(res.status).toBeLessThan(300);
    const again = await t.db
      .selectFrom("borrowers")
      .select(["full_name", "phone_e164"])
      .where("id", "=", r.borrower.id)
      .executeTakeFirstOrThrow();
    expect(again).toEqual({ full_name: "[erased]", phone_e164: b.phone_e164 });
  });
});
