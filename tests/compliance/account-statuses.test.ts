import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importAccountsFile } from "../../app/bank/import.server";
import { config } from "../../app/platform/config.server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import * as statuses from "../../app/routes/api.v1.statuses";
import * as statusEnd from "../../app/routes/api.v1.statuses_.end";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { syntheticRecord } from "../support/synthetic-import";

/**
 * Account statuses by source (docs/product-rules.md §4.18): each status comes in through the bank API,
 * then the real planner (`runSchedule`) decides every account; the test reads what it decided and queued
 * for the borrower. Every borrower is D10 and would otherwise be texted at noon.
 */
const DAY = 86_400_000;
/** The next 12:00 in Hong Kong (04:00 UTC) after the real clock: statuses start no later than now. */
const NOON = new Date(Math.ceil((Date.now() - 4 * 3_600_000) / DAY) * DAY + 4 * 3_600_000);

let t: TestDatabase;
let key: string;
beforeAll(async () => {
  t = await createTestDatabase();
  key = (await createTestApiKey(t.db, ["accounts:write"])).key;
});
afterAll(async () => {
  await t.destroy();
});

interface Borrower {
  borrowerRef: string;
  accountRef: string;
  accountId: string;
  borrowerId: string;
}

/** The bank sends a D10 account; UK borrowers sit in Hong Kong's zone so one noon suits every test. */
async function bankSends(jurisdiction: "HK" | "UK" | "US" = "HK", dpd = 10): Promise<Borrower> {
  const record = {
    ...syntheticRecord(0, { prefix: `S${randomBytes(4).toString("hex")}` }),
    time_zone: "Asia/Hong_Kong",
    jurisdiction,
    locale: "en",
    dpd,
    status: "delinquent",
    overdue_minor: 50_000,
  };
  const res = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  const row = await t.db
    .selectFrom("accounts")
    .select(["id", "borrower_id"])
    .where("external_ref", "=", String(record.account_ref))
    .executeTakeFirstOrThrow();
  return {
    borrowerRef: String(record.borrower_ref),
    accountRef: String(record.account_ref),
    accountId: row.id,
    borrowerId: row.borrower_id,
  };
}

async function setStatus(b: Borrower, body: Record<string, unknown>) {
  return callRoute(
    statuses.action,
    t.db,
    apiRequest("/api/v1/statuses", {
      key,
      json: {
        external_ref: `ST${randomBytes(5).toString("hex")}`,
        borrower_ref: b.borrowerRef,
        reason: "Reported by the borrower's adviser",
        ...body,
      },
    }),
  );
}

/** The planner's decision for this borrower's account at `now`, and the reminders queued for them. */
async function plan(b: Borrower, now = NOON) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, onDecision: (line) => lines.push(line) });
  const decision = lines.find((l) => l.account === b.accountRef);
  const queued = await t.db
    .selectFrom("messages")
    .select("id")
    .where("borrower_id", "=", b.borrowerId)
    .where("direction", "=", "outbound")
    .where("stage", "is not", null)
    .execute();
  const tasks = await t.db
    .selectFrom("tasks")
    .select(["kind", "status"])
    .where("borrower_id", "=", b.borrowerId)
    .execute();
  return { decision, queued: queued.length, tasks, lines };
}

describe("UK Debt Respite Scheme (Breathing Space)", () => {
  it("Debt Respite Scheme reg. 7: no contact during a standard Breathing Space", async () => {
    const b = await bankSends("UK");
    const start = new Date(NOON.getTime() - 2 * DAY);
    const res = await setStatus(b, { kind: "breathing_space", starts_at: start.toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const endsAt = (res.body as { ends_at: string }).ends_at;
    expect(endsAt).toBe(new Date(start.getTime() + 60 * DAY).toISOString());
    const during = await plan(b);
    expect(during.decision).toMatchObject({ action: "defer", reason: "breathing_space" });
    expect(during.queued).toBe(0);
    // When the moratorium ends, the schedule picks the borrower up again.
    const after = await plan(b, new Date(NOON.getTime() + 59 * DAY));
    expect(after.decision?.reason).not.toBe("breathing_space");
  });

  it("Debt Respite Scheme reg. 7: a second standard Breathing Space within 12 months is refused", async () => {
    const b = await bankSends("UK");
    const first = new Date(Date.now() - 100 * DAY).toISOString();
    expect((await setStatus(b, { kind: "breathing_space", starts_at: first })).status).toBe(201);
    const again = await setStatus(b, { kind: "breathing_space" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "breathing_space_within_limit" } });
    const rows = await t.db
      .selectFrom("account_statuses")
      .select("id")
      .where("borrower_id", "=", b.borrowerId)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it("Debt Respite Scheme reg. 28: no contact during a mental health crisis Breathing Space, until it is ended", async () => {
    const b = await bankSends("UK");
    const ref = `ST${randomBytes(5).toString("hex")}`;
    expect((await setStatus(b, { kind: "breathing_space_crisis", external_ref: ref })).status).toBe(201);
    expect((await plan(b, new Date(NOON.getTime() + 200 * DAY))).decision).toMatchObject({
      action: "suppress",
      reason: "breathing_space_crisis",
    });
    const end = await callRoute(
      statusEnd.action,
      t.db,
      apiRequest("/api/v1/statuses/end", {
        key,
        json: { external_ref: ref, reason: "Crisis treatment ended" },
      }),
    );
    expect(end.body).toMatchObject({ ended: true });
    expect((await plan(b, new Date(Date.now() + DAY))).decision?.reason).not.toBe("breathing_space_crisis");
  });
});

describe("US FDCPA and Reg F", () => {
  it("FDCPA 805(c): no contact after a cease-contact request", async () => {
    const b = await bankSends("US");
    expect((await setStatus(b, { kind: "cease_contact" })).status).toBe(201);
    const { decision, queued } = await plan(b);
    expect(decision).toMatchObject({ action: "suppress", reason: "cease_contact" });
    expect(queued).toBe(0);
  });

  it("Reg F 1006.34: a validation notice is sent when a debt is disputed", async () => {
    const b = await bankSends("US");
    const res = await setStatus(b, {
      kind: "dispute",
      account_ref: b.accountRef,
      validation_notice: "letter",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const notice = await t.db
      .selectFrom("validation_notices")
      .selectAll()
      .where("account_id", "=", b.accountId)
      .executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ channel: "letter", locale: "en" });
    expect(notice.body).toContain("dispute the debt on your account ending");
    // Contact about the debt stops until the dispute is resolved.
    expect((await plan(b)).decision).toMatchObject({ action: "suppress", reason: "dispute" });
  });

  it("Reg F 1006.34: a dispute names its account, and posting it again sets it once", async () => {
    const b = await bankSends("US");
    expect((await setStatus(b, { kind: "dispute" })).status).toBe(422);
    const body = {
      kind: "dispute",
      account_ref: b.accountRef,
      external_ref: `ST${randomBytes(5).toString("hex")}`,
    };
    expect((await setStatus(b, body)).status).toBe(201);
    const again = await setStatus(b, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false });
    expect((await setStatus(b, { ...body, kind: "insolvency" })).status).toBe(409);
  });
});

describe("statuses that stop or shape every contact", () => {
  it("Insolvency Act 1986 s.285 / US Bankruptcy Code §362: no collection contact during bankruptcy or insolvency", async () => {
    const b = await bankSends("HK");
    expect((await setStatus(b, { kind: "insolvency" })).status).toBe(201);
    expect((await plan(b)).decision).toMatchObject({ action: "suppress", reason: "insolvency" });
  });

  it("deceased: no contact at all, and a bereavement task for a person", async () => {
    const b = await bankSends("HK", 40);
    expect((await setStatus(b, { kind: "deceased" })).status).toBe(201);
    const { decision, queued, tasks } = await plan(b);
    expect(decision).toMatchObject({ action: "suppress", reason: "deceased" });
    expect(queued).toBe(0);
    expect(tasks).toEqual([{ kind: "bereavement", status: "open" }]); // no call task either
  });

  it("FCA FG21/1 (vulnerable customers): no call and only gentle templates", async () => {
    const b = await bankSends("UK", 40); // the late stage: a firm text and a call task for anyone else
    const other = await bankSends("UK", 40);
    expect((await setStatus(b, { kind: "vulnerable" })).status).toBe(201);
    const { decision, tasks, lines } = await plan(b);
    expect(decision).toMatchObject({ action: "send", channel: "sms", template: "early" });
    expect(tasks.filter((k) => k.kind === "call")).toEqual([]);
    expect(lines.find((l) => l.account === other.accountRef)).toMatchObject({
      action: "send",
      template: "late",
    });
    const otherTasks = await t.db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", other.borrowerId)
      .execute();
    expect(otherTasks).toEqual([{ kind: "call" }]);
  });
});

describe("statuses from the import", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "settle-statuses-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("Debt Respite Scheme reg. 7 through the import: set once however often the file comes, refused within 12 months", async () => {
    const prefix = `I${randomBytes(4).toString("hex")}`;
    const row = (i: number, extra: Record<string, unknown>) => ({
      ...syntheticRecord(i, { prefix }),
      time_zone: "Asia/Hong_Kong",
      jurisdiction: "UK",
      dpd: 10,
      status: "delinquent",
      overdue_minor: 50_000,
      ...extra,
    });
    const file = join(dir, `${prefix}.jsonl`);
    const lines = [
      row(0, { contact_status: "breathing_space", contact_status_reason: "Adviser's notice" }),
      row(2, { contact_status: "deceased" }), // no reason: the row is refused, nothing written
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    const hashKey = config().verificationHashKey;
    const first = await importAccountsFile(t.db, { file, hashKey });
    expect(first).toMatchObject({ rows: 2, created: 1, rejected: 1 });
    expect(readFileSync(first.errorsPath, "utf8")).toContain("contact_status_reason");
    await importAccountsFile(t.db, { file, hashKey }); // the same file again: still one status
    const b = {
      borrowerRef: `${prefix}-B0`,
      accountRef: `${prefix}-A0`,
      ...(await t.db
        .selectFrom("accounts")
        .select(["id as accountId", "borrower_id as borrowerId"])
        .where("external_ref", "=", `${prefix}-A0`)
        .executeTakeFirstOrThrow()),
    };
    const rows = await t.db
      .selectFrom("account_statuses")
      .select(["source", "set_by"])
      .where("borrower_id", "=", b.borrowerId)
      .execute();
    expect(rows).toEqual([{ source: "import", set_by: "import" }]);
    expect((await plan(b)).decision).toMatchObject({ action: "defer", reason: "breathing_space" });

    // A later file after the moratorium was ended early still may not start a second one within 12 months.
    await t.db
      .updateTable("account_statuses")
      .set({ ended_at: new Date(), ended_by: "test" })
      .where("borrower_id", "=", b.borrowerId)
      .execute();
    const again = await importAccountsFile(t.db, { file, hashKey });
    expect(readFileSync(again.errorsPath, "utf8")).toContain("only one is allowed in 12 months");
  });
});

describe("the import ends a status", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "settle-status-end-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A CSV file of the records, every cell quoted (the bank's export as it would send it). */
  function csvFile(name: string, records: Array<Record<string, unknown>>) {
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const cell = (v: unknown) => `"${v === undefined ? "" : String(v).replace(/"/g, '""')}"`;
    const file = join(dir, `${name}.csv`);
    writeFileSync(
      file,
      [columns.join(","), ...records.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n"),
    );
    return file;
  }

  it("FDCPA 805(c) through the import: a later file ends the cease-contact status, and the schedule contacts the borrower again", async () => {
    const prefix = `E${randomBytes(4).toString("hex")}`;
    const row = (i: number, extra: Record<string, unknown> = {}) => ({
      ...syntheticRecord(i, { prefix }),
      time_zone: "Asia/Hong_Kong",
      jurisdiction: "US",
      locale: "en",
      dpd: 10,
      status: "delinquent",
      overdue_minor: 50_000,
      ...extra,
    });
    const hashKey = config().verificationHashKey;
    const set = csvFile(`${prefix}-set`, [
      row(0, { contact_status: "cease_contact", contact_status_reason: "Borrower's letter of 3 March" }),
    ]);
    expect(await importAccountsFile(t.db, { file: set, hashKey })).toMatchObject({ created: 1, rejected: 0 });
    const account = await t.db
      .selectFrom("accounts")
      .select(["id as accountId", "borrower_id as borrowerId"])
      .where("external_ref", "=", `${prefix}-A0`)
      .executeTakeFirstOrThrow();
    const b = { borrowerRef: `${prefix}-B0`, accountRef: `${prefix}-A0`, ...account };
    expect((await plan(b)).decision).toMatchObject({ action: "suppress", reason: "cease_contact" });

    // The next file ends it; a row without the end's reason, or ending what it sets, is refused by itself.
    const end = csvFile(`${prefix}-end`, [
      row(0, {
        contact_status_end: "cease_contact",
        contact_status_end_reason: "Borrower asked to be contacted",
      }),
      row(1, { contact_status_end: "cease_contact" }),
      row(2, {
        contact_status: "dispute",
        contact_status_reason: "x",
        contact_status_end: "dispute",
        contact_status_end_reason: "y",
      }),
    ]);
    const ended = await importAccountsFile(t.db, { file: end, hashKey });
    expect(ended).toMatchObject({ rows: 3, rejected: 2 });
    const report = readFileSync(ended.errorsPath, "utf8");
    expect(report).toContain("contact_status_end_reason,is required with contact_status_end");
    expect(report).toContain("contact_status_end,cannot end the status the same record sets");
    const { decision, queued } = await plan(b);
    expect(decision).toMatchObject({ action: "send", channel: "sms" });
    expect(queued).toBe(1);

    // Audited with the import as its source; the same file again changes nothing.
    await importAccountsFile(t.db, { file: end, hashKey });
    const statuses = await t.db
      .selectFrom("account_statuses")
      .select(["kind", "ended_by", "end_reason", "ended_at"])
      .where("borrower_id", "=", b.borrowerId)
      .execute();
    expect(statuses).toEqual([
      {
        kind: "cease_contact",
        ended_by: "import",
        end_reason: "Borrower asked to be contacted",
        ended_at: expect.any(Date),
      },
    ]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "actor_type", "detail"])
      .where("borrower_id", "=", b.borrowerId)
      .where("action", "like", "status.%")
      .orderBy("id")
      .execute();
    expect(audit.map((a) => [a.action, a.actor_type, a.detail.source])).toEqual([
      ["status.set", "system", "import"],
      ["status.ended", "system", "import"],
    ]);
  });

  it("ends a status the bank set through the API, on every account it covers, and leaves other kinds alone", async () => {
    const b = await bankSends("US");
    expect((await setStatus(b, { kind: "cease_contact" })).status).toBe(201);
    expect((await setStatus(b, { kind: "dispute", account_ref: b.accountRef })).status).toBe(201);
    const record = await t.db
      .selectFrom("borrowers as br")
      .innerJoin("accounts as a", "a.borrower_id", "br.id")
      .select(["br.full_name", "br.phone_e164", "a.last4"])
      .where("a.id", "=", b.accountId)
      .executeTakeFirstOrThrow();
    const file = csvFile(`end-${b.accountRef}`, [
      {
        ...syntheticRecord(0, { prefix: "unused" }),
        borrower_ref: b.borrowerRef,
        account_ref: b.accountRef,
        full_name: record.full_name,
        phone: record.phone_e164,
        last4: record.last4,
        time_zone: "Asia/Hong_Kong",
        jurisdiction: "US",
        locale: "en",
        dpd: 10,
        status: "delinquent",
        overdue_minor: 50_000,
        contact_status_end: "cease_contact",
        contact_status_end_reason: "Withdrawn",
      },
    ]);
    expect(await importAccountsFile(t.db, { file, hashKey: config().verificationHashKey })).toMatchObject({
      rejected: 0,
    });
    const statuses = await t.db
      .selectFrom("account_statuses")
      .select(["kind", "ended_by"])
      .where("borrower_id", "=", b.borrowerId)
      .orderBy("kind")
      .execute();
    expect(statuses).toEqual([
      { kind: "cease_contact", ended_by: "import" },
      { kind: "dispute", ended_by: null },
    ]);
    expect((await plan(b)).decision).toMatchObject({ action: "suppress", reason: "dispute" });
  });
});
