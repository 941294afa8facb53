import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERASED, runRetention } from "../../app/platform/retention.server";
import { config } from "../../app/platform/config.server";
import { handleInboundSms } from "../../app/engine/inbound.server";
import type { Account } from "../../db/schema";
import { runSettle } from "../support/cli";
import { parseCommandLine } from "../../app/cli/settle";
import { insertAccount, insertPlan, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Issue #17 item 7: closed accounts' free text is erased after RETENTION_FREE_TEXT_DAYS, by a daily job
 * and `retention:run`, with one audit row per run; the rows and their structured facts stay.
 */
let t: TestDatabase;
let staffId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  staffId = (await insertStaffUser(t.db, { role: "agent" })).id;
});
afterAll(async () => {
  await t.destroy();
});

const NOW = new Date("2030-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
const DAYS = config().RETENTION_FREE_TEXT_DAYS;

/** An account of a new borrower: open, or closed that many days before NOW (the bank's as-of time). */
async function account(closedDaysAgo: number | null, borrowerId?: string): Promise<Account> {
  return insertAccount(t.db, {
    ...(borrowerId ? { borrower_id: borrowerId } : {}),
    ...(closedDaysAgo === null ? {} : { status: "closed", balance_as_of: daysAgo(closedDaysAgo) }),
  });
}

/**
 * Free text of every kind about `about` (the account) and about the borrower alone, each value naming its
 * borrower, so a leak into the audit log would show. Returns a reader of where each value stands now.
 */
async function freeTextOf(about: Account) {
  const tag = randomBytes(4).toString("hex");
  const b = about.borrower_id;
  const phone = `+8526${String(Number.parseInt(tag, 16) % 10_000_000).padStart(7, "0")}`;
  await t.db.updateTable("borrowers").set({ phone_e164: phone }).where("id", "=", b).execute();
  const [hardship, complaint, task, plan, codePlan, note] = await Promise.all([
    t.db
      .insertInto("hardship_reports")
      .values({
        borrower_id: b,
        account_id: about.id,
        reason: "illness",
        details: `hospital ${tag}`,
        currency: "HKD",
        ...answered(`we cannot pause further ${tag}`, "rejected"),
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
    t.db
      .insertInto("complaints")
      .values({
        borrower_id: b,
        account_id: about.id,
        ack_number: `C-${tag}`,
        category: "conduct",
        body: `rude ${tag}`,
        ...answered(`we apologise ${tag}`, "resolved"),
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
    t.db
      .insertInto("tasks")
      .values({
        kind: "callback",
        borrower_id: b,
        account_id: about.id,
        borrower_note: `call after six ${tag}`,
        outcome: `spoke to her son ${tag}`,
        status: "done",
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
    insertPlan(t.db, about, { status: "rejected", decision_reason: `income too low ${tag}` }),
    insertPlan(t.db, about, { status: "rejected", decision_reason: "within_auto_approve_policy" }),
    t.db
      .insertInto("notes")
      .values({ borrower_id: b, staff_user_id: staffId, body: `prefers Cantonese ${tag}` })
      .returning("id")
      .executeTakeFirstOrThrow(),
  ]);
  const caseNote = await t.db
    .insertInto("case_events")
    .values({
      case_type: "complaint",
      case_id: complaint.id,
      borrower_id: b,
      account_id: about.id,
      staff_user_id: staffId,
      kind: "note",
      body: `spoke to the caller's manager ${tag}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await handleInboundSms(t.db, {
    from: phone,
    body: `who is this ${tag}`,
    provider: "outbox",
    providerMessageId: null,
  });
  return async () => ({
    hardship: (
      await t.db
        .selectFrom("hardship_reports")
        .select("details")
        .where("id", "=", hardship.id)
        .executeTakeFirstOrThrow()
    ).details,
    complaint: (
      await t.db
        .selectFrom("complaints")
        .select("body")
        .where("id", "=", complaint.id)
        .executeTakeFirstOrThrow()
    ).body,
    responses: [
      ...(await t.db
        .selectFrom("hardship_reports")
        .select("response")
        .where("id", "=", hardship.id)
        .execute()),
      ...(await t.db.selectFrom("complaints").select("response").where("id", "=", complaint.id).execute()),
    ].map((r) => r.response),
    caseNote: (
      await t.db
        .selectFrom("case_events")
        .select("body")
        .where("id", "=", caseNote.id)
        .executeTakeFirstOrThrow()
    ).body,
    task: await t.db
      .selectFrom("tasks")
      .select(["borrower_note", "outcome", "status"])
      .where("id", "=", task.id)
      .executeTakeFirstOrThrow(),
    plan: (
      await t.db
        .selectFrom("instalment_plans")
        .select("decision_reason")
        .where("id", "=", plan.id)
        .executeTakeFirstOrThrow()
    ).decision_reason,
    codePlan: (
      await t.db
        .selectFrom("instalment_plans")
        .select("decision_reason")
        .where("id", "=", codePlan.id)
        .executeTakeFirstOrThrow()
    ).decision_reason,
    note: (await t.db.selectFrom("notes").select("body").where("id", "=", note.id).executeTakeFirstOrThrow())
      .body,
    inbound: (
      await t.db
        .selectFrom("messages")
        .select("body")
        .where("borrower_id", "=", b)
        .where("direction", "=", "inbound")
        .executeTakeFirstOrThrow()
    ).body,
    tag,
  });
}

const untouched = (now: Awaited<ReturnType<Awaited<ReturnType<typeof freeTextOf>>>>) =>
  [
    now.hardship,
    now.complaint,
    now.task.borrower_note,
    now.task.outcome,
    now.plan,
    now.note,
    now.inbound,
    ...now.responses,
    now.caseNote,
  ].every((text) => text?.endsWith(now.tag));

/** A case closed with staff's final response (the columns the case CHECKs ask of a closed case). */
const answered = <S extends "resolved" | "rejected">(response: string, status: S) => ({
  status,
  response,
  acknowledged_at: daysAgo(500),
  responded_at: daysAgo(500),
  resolved_at: daysAgo(500),
});

const retentionAudits = () =>
  t.db
    .selectFrom("audit_events")
    .select(["detail", "actor_type"])
    .where("action", "=", "retention.free_text_erased")
    .orderBy("id")
    .execute();

describe("retention of free text", () => {
  it("erases the text of an account closed longer ago than the period; a recent closure and an open account keep theirs", async () => {
    const old = await freeTextOf(await account(DAYS + 10));
    const recent = await freeTextOf(await account(DAYS - 10));
    const open = await freeTextOf(await account(null));
    // One account closed long ago, another still open: that account's text goes, the borrower's stays.
    const stillOpen = await account(null);
    const mixed = await freeTextOf(await account(DAYS + 10, stillOpen.borrower_id));

    const run = await runRetention(t.db, { now: NOW, batchSize: 2 });

    const gone = await old();
    expect(gone).toMatchObject({
      hardship: ERASED,
      complaint: ERASED,
      task: { borrower_note: ERASED, outcome: ERASED, status: "done" },
      plan: ERASED,
      codePlan: "within_auto_approve_policy",
      note: ERASED,
      inbound: ERASED,
      responses: [ERASED, ERASED],
      caseNote: ERASED,
    });
    expect(untouched(await recent())).toBe(true);
    expect(untouched(await open())).toBe(true);
    const partly = await mixed();
    expect(partly).toMatchObject({ hardship: ERASED, complaint: ERASED, plan: ERASED });
    expect(partly.note.endsWith(partly.tag) && partly.inbound.endsWith(partly.tag)).toBe(true);

    expect(run.erased).toEqual({
      "hardship_reports.details": 2,
      "complaints.body": 2,
      "hardship_reports.response": 2,
      "complaints.response": 2,
      "case_events.body": 2,
      "tasks.borrower_note": 2,
      "tasks.outcome": 2,
      "instalment_plans.decision_reason": 2,
      "notes.body": 1,
      "messages.body": 1,
      "visit_attempts.notes": 0,
    });
    const [audit] = await retentionAudits();
    expect(audit).toMatchObject({
      actor_type: "system",
      detail: { erased: run.erased, total: 18, days: DAYS },
    });
    for (const tag of [gone.tag, partly.tag]) expect(JSON.stringify(audit)).not.toContain(tag);
  });

  it("a second run erases nothing more and still writes its audit row", async () => {
    const before = await retentionAudits();
    const run = await runRetention(t.db, { now: NOW });
    expect(run.total).toBe(0);
    const after = await retentionAudits();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)!.detail).toMatchObject({ total: 0 });
  });

  it("a dry run counts what it would erase and changes nothing", async () => {
    const text = await freeTextOf(await account(DAYS + 1));
    const audits = (await retentionAudits()).length;
    const run = await runRetention(t.db, { now: NOW, dryRun: true });
    expect(run).toMatchObject({ dryRun: true, total: 10 });
    expect(untouched(await text())).toBe(true);
    expect(await retentionAudits()).toHaveLength(audits);
  });

  describe("from the command line", () => {
    const env = () => ({ ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" });
    let text: Awaited<ReturnType<typeof freeTextOf>>;
    beforeAll(async () => {
      // Due now: this borrower's 7 values, and the 7 the dry run above left in place.
      text = await freeTextOf(await account(DAYS + 1));
    });

    it("--dry-run reports what is due and changes nothing", async () => {
      const dry = runSettle(["retention:run", "--now", NOW.toISOString(), "--dry-run"], { env: env() });
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^Dry run: would erase 20 free-text values/);
      expect(untouched(await text())).toBe(true);
    });

    it("erases it, and refuses a bad --now", async () => {
      const real = runSettle(["retention:run", "--now", NOW.toISOString()], { env: env() });
      expect(real.status, real.stderr).toBe(0);
      expect(real.stdout).toMatch(/^Erased 20 free-text values .* notes\.body=/);
      expect((await text()).note).toBe(ERASED);
      expect(() => parseCommandLine(["retention:run", "--now", "last year"])).toThrow(
        /--now: must be an ISO 8601 date-time/,
      );
    });
  });

  it("counts from when the bank's record closed the account, and forgets it if the account reopens", async () => {
    const acc = await account(null);
    const closedAt = daysAgo(DAYS + 3);
    const closed = await t.db
      .updateTable("accounts")
      .set({ status: "closed", balance_as_of: closedAt })
      .where("id", "=", acc.id)
      .returning("closed_at")
      .executeTakeFirstOrThrow();
    expect(closed.closed_at).toEqual(closedAt);
    const reopened = await t.db
      .updateTable("accounts")
      .set({ status: "delinquent", balance_as_of: NOW })
      .where("id", "=", acc.id)
      .returning("closed_at")
      .executeTakeFirstOrThrow();
    expect(reopened.closed_at).toBeNull();
    // Open again, its text is not due, however long ago it was once closed.
    const text = await freeTextOf(acc);
    await runRetention(t.db, { now: NOW });
    expect(untouched(await text())).toBe(true);
  });
});
