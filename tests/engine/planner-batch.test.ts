import fc from "fast-check";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { countSegments } from "../../app/domain/sms-segments";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { pgArray } from "../../db/pg-array";
import { smsSegments } from "../../app/messaging/outbound-sms.server";
import { smsTemplateBodies, smsTemplateBody } from "../../app/messaging/sms-template-store.server";
import { addReminderVariant } from "../../app/staff/sms-templates.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

// 11:00 in Hong Kong: inside the contact window.
const NOW = new Date("2026-11-23T03:00:00Z");

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.destroy();
});

/** Delinquent accounts in the early stage (dpd 5), one borrower each, all due a text at NOW. */
async function earlyAccounts(n: number, borrower: Parameters<typeof insertBorrower>[1] = {}) {
  const accounts = [];
  for (let i = 0; i < n; i++) {
    const b = await insertBorrower(t.db, borrower);
    accounts.push(
      await insertAccount(t.db, { borrower_id: b.id, dpd: 5, status: "delinquent", due_date: "2026-11-18" }),
    );
  }
  return accounts;
}

async function run(opts: { batchSize?: number; now?: Date; dryRun?: boolean } = {}) {
  const lines: DecisionLine[] = [];
  const result = await runSchedule(t.db, { now: NOW, ...opts, onDecision: (l) => lines.push(l) });
  return { result, lines };
}

describe("planner A/B variants", () => {
  it("assigns a staff-added variant (present in every language) and renders its edited text", async () => {
    const staff = await insertStaffUser(t.db);
    expect(await addReminderVariant(t.db, { staff, stage: "early", variant: "C" })).toEqual({
      status: "added",
    });
    await t.db
      .updateTable("sms_templates")
      .set({
        body: "{{bank}}: VARIANT-C {{name}}, {{amount}} on card {{last4}} is overdue. Pay by {{dueDate}}: {{link}} Reply STOP to opt out",
      })
      .where("stage", "=", "early")
      .where("variant", "=", "C")
      .where("locale", "=", "en")
      .execute();
    await earlyAccounts(30);
    const { result } = await run({ batchSize: 8 });
    expect(result.queued).toBe(30);
    const messages = await t.db.selectFrom("messages").select(["variant", "template_key", "body"]).execute();
    const variants = new Set(messages.map((m) => m.variant));
    // 30 accounts over three arms: each arm is used (the split is a stable hash of the account id).
    expect([...variants].sort()).toEqual(["A", "B", "C"]);
    for (const m of messages) {
      expect(m.template_key).toBe(`reminder.early.${m.variant}`);
      expect(m.body.includes("VARIANT-C")).toBe(m.variant === "C");
    }
  });

  it("a policy naming variants restricts the arms to those that can be sent", async () => {
    const staff = await insertStaffUser(t.db);
    await addReminderVariant(t.db, { staff, stage: "early", variant: "C" });
    const policy = structuredClone(DEFAULT_CONTACT_POLICY);
    policy.stages.find((s) => s.id === "early")!.variants = ["C", "ZZ"];
    await t.db
      .insertInto("contact_policies")
      .values({ version: 1, policy: JSON.stringify(policy), active: true })
      .execute();
    await earlyAccounts(10);
    await run();
    const variants = await t.db.selectFrom("messages").select("variant").distinct().execute();
    expect(variants).toEqual([{ variant: "C" }]);
  });

  it("never assigns a variant missing in one of the languages", async () => {
    for (const locale of ["en", "zh-HK"] as const) {
      await t.db
        .insertInto("sms_templates")
        .values({
          stage: "early",
          locale,
          variant: "D",
          body: "{{bank}} {{name}} {{amount}} {{last4}} {{dueDate}} {{link}} Reply STOP to opt out 回T退訂",
          version: 1,
          active: true,
        })
        .execute();
    }
    await earlyAccounts(20);
    await run();
    const variants = await t.db
      .selectFrom("messages")
      .select("variant")
      .distinct()
      .orderBy("variant")
      .execute();
    expect(variants.map((v) => v.variant)).toEqual(["A", "B"]);
  });
});

describe("planner batches", () => {
  it("small batches written two at a time: lines in account order, one stored decision per account, nothing twice", async () => {
    await earlyAccounts(23);
    // Opted out and wrong-number accounts are decided and stored as suppressions.
    const optedOut = await insertBorrower(t.db);
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: optedOut.id, sms_allowed: true, sms_opted_out_at: NOW })
      .execute();
    await insertAccount(t.db, { borrower_id: optedOut.id, dpd: 5 });
    await insertAccount(t.db, { dpd: 5, wrong_number_at: NOW });

    const first = await run({ batchSize: 4 });
    const ids = await t.db.selectFrom("accounts").select(["id", "external_ref"]).orderBy("id").execute();
    expect(first.lines.map((l) => l.account)).toEqual(ids.map((a) => a.external_ref));
    expect(first.result).toMatchObject({ decided: 25, queued: 23, skipped: 0 });
    expect(first.result.byReason).toEqual({ send_due: 23, sms_opted_out: 1, wrong_number: 1 });

    const decisions = await t.db
      .selectFrom("contact_decisions")
      .select(["account_id", "action", "reason", "run_id", "detail", "decided_at"])
      .execute();
    expect(decisions).toHaveLength(25);
    expect(new Set(decisions.map((d) => d.account_id)).size).toBe(25);
    expect(new Set(decisions.map((d) => d.run_id))).toEqual(new Set([first.result.runId]));
    for (const d of decisions) {
      expect(d.decided_at.toISOString()).toBe(NOW.toISOString());
      if (d.action === "send") expect(d.detail).toEqual({ messageId: expect.any(String) });
      else expect(d.detail).toEqual({});
    }
    // Every queued text has its link and a job. Queued is the row itself (status and created_at):
    // status events start with what happens to it next.
    const messages = await t.db.selectFrom("messages").select(["id", "status", "created_at"]).execute();
    expect(messages).toHaveLength(23);
    for (const m of messages)
      expect({ status: m.status, at: m.created_at.toISOString() }).toEqual({
        status: "queued",
        at: NOW.toISOString(),
      });
    expect(await t.db.selectFrom("short_links").select("id").execute()).toHaveLength(23);
    expect(await t.db.selectFrom("message_status_events").select("id").execute()).toEqual([]);
    const jobs = await sql<{
      id: string;
    }>`select p->>'messageId' as id from graphile_worker._private_jobs, json_array_elements(payload) p`.execute(
      t.db,
    );
    expect(new Set(jobs.rows.map((j) => j.id))).toEqual(new Set(messages.map((m) => m.id)));

    // The same run again (a retry, or the same day): every account decided again, nothing queued twice.
    const again = await run({ batchSize: 4, now: new Date(NOW.getTime() + 60_000) });
    expect(again.result.queued).toBe(0);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(23);
    // A decision equal to the account's latest one is counted on that row, not stored again
    // (the opted-out and wrong-number accounts); every account's latest row says when it was last reached.
    const later = new Date(NOW.getTime() + 60_000).toISOString();
    const rows = await t.db
      .selectFrom("contact_decisions")
      .select(["account_id", "reason", "repeats", "decided_at", "last_decided_at"])
      .execute();
    const unchanged = rows.filter((r) => r.reason === "sms_opted_out" || r.reason === "wrong_number");
    expect(unchanged).toHaveLength(2);
    for (const r of unchanged) {
      expect(r.repeats).toBe(2);
      expect(r.decided_at.toISOString()).toBe(NOW.toISOString());
      expect(r.last_decided_at.toISOString()).toBe(later);
    }
    expect(rows.length).toBe(
      25 + again.lines.filter((l) => l.reason !== "sms_opted_out" && l.reason !== "wrong_number").length,
    );
    const latestPerAccount = new Map<string, string>();
    for (const r of rows) {
      const at = r.last_decided_at.toISOString();
      if ((latestPerAccount.get(r.account_id) ?? "") < at) latestPerAccount.set(r.account_id, at);
    }
    expect([...latestPerAccount.values()]).toEqual(Array(25).fill(later));

    // A third run that decides differently for an account stores a new row for it.
    await t.db
      .updateTable("accounts")
      .set({ wrong_number_at: null })
      .where("wrong_number_at", "is not", null)
      .execute();
    await run({ batchSize: 4, now: new Date(NOW.getTime() + 120_000) });
    const wrongNumberRows = await t.db
      .selectFrom("contact_decisions as d")
      .innerJoin("accounts as a", "a.id", "d.account_id")
      .select(["d.reason", "d.repeats"])
      .where("a.id", "=", unchanged.find((r) => r.reason === "wrong_number")!.account_id)
      .orderBy("d.decided_at")
      .execute();
    expect(wrongNumberRows[0]).toEqual({ reason: "wrong_number", repeats: 2 });
    expect(wrongNumberRows.length).toBe(2);
    expect(wrongNumberRows[1]!.reason).not.toBe("wrong_number");
  });

  it("texts and their links get time-ordered ids (UUIDv7), in the order the planner wrote them", async () => {
    await earlyAccounts(12);
    const before = Date.now();
    await run();
    const after = Date.now();
    const accounts = (await t.db.selectFrom("accounts").select("id").orderBy("id").execute()).map(
      (a) => a.id,
    );
    // One batch, decided in account order: sorted by id, the texts and the links follow the accounts.
    for (const table of ["messages", "short_links"] as const) {
      const rows = await t.db.selectFrom(table).select(["id", "account_id"]).orderBy("id").execute();
      expect(rows.map((r) => r.account_id)).toEqual(accounts);
      for (const { id } of rows) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
        const millis = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
        expect(millis).toBeGreaterThanOrEqual(before);
        expect(millis).toBeLessThanOrEqual(after);
      }
    }
  });

  it("two runs at once send each text once", async () => {
    await earlyAccounts(12);
    const [a, b] = await Promise.all([run({ batchSize: 3 }), run({ batchSize: 5 })]);
    expect(a.result.queued + b.result.queued).toBe(12);
    expect(a.result.skipped + b.result.skipped).toBe(12);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(12);
  });

  it("stores names with quotes, backslashes, commas and braces exactly, in every column", async () => {
    const name = `O"N\\e,{x}`;
    await earlyAccounts(1, { full_name: name });
    await run();
    const message = await t.db
      .selectFrom("messages")
      .select(["body", "segments", "encoding"])
      .executeTakeFirstOrThrow();
    expect(message.body).toContain(name);
    // Counted on the text as sent: the stored body masks the link's 16-character code.
    expect(message.segments).toBe(
      countSegments(message.body.replace("/r/••••••", `/r/${"A".repeat(16)}`)).segments,
    );
  });

  it("a failing batch fails the run: its transaction leaves nothing behind and nothing escapes as an unhandled rejection", async () => {
    await earlyAccounts(9);
    // A broken stored template (the editor would refuse it) makes rendering throw inside every batch's transaction.
    for (const variant of ["A", "B"]) {
      await t.db
        .insertInto("sms_templates")
        .values({
          stage: "early",
          locale: "en",
          variant,
          body: "{{bank}} {{nope}}",
          version: 1,
          active: true,
        })
        .execute();
    }
    await expect(run({ batchSize: 2 })).rejects.toThrow(/nope/);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(0);
    expect(await t.db.selectFrom("contact_decisions").select("id").execute()).toHaveLength(0);
  });

  it("a dry run writes nothing", async () => {
    await earlyAccounts(5);
    const { result } = await run({ dryRun: true, batchSize: 2 });
    expect(result.decided).toBe(5);
    expect(await t.db.selectFrom("contact_decisions").select("id").execute()).toHaveLength(0);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(0);
  });
});

describe("batched template lookup", () => {
  it("answers exactly like smsTemplateBody, edited rows included; an unknown pair throws only when asked", async () => {
    const staff = await insertStaffUser(t.db);
    await addReminderVariant(t.db, { staff, stage: "due", variant: "Q1" });
    await t.db
      .updateTable("sms_templates")
      .set({ body: "edited {{link}}" })
      .where("variant", "=", "Q1")
      .where("locale", "=", "zh-CN")
      .execute();
    const pairs = [
      { key: "reminder.due.A", locale: "en" },
      { key: "reminder.due.Q1", locale: "zh-CN" },
      { key: "reminder.due.Q1", locale: "en" },
      { key: "confirmation.help", locale: "zh-HK" },
      { key: "reminder.due.NOPE", locale: "en" },
    ] as const;
    const lookup = await smsTemplateBodies(t.db, pairs);
    for (const p of pairs.slice(0, 4))
      expect(lookup(p.key, p.locale)).toEqual(await smsTemplateBody(t.db, p.key, p.locale));
    expect(lookup("reminder.due.Q1", "zh-CN").body).toBe("edited {{link}}");
    expect(() => lookup("reminder.due.NOPE", "en")).toThrow(/no default SMS template/);
  });
});

describe("array parameters and segment counting", () => {
  it("pgArray round-trips instants, repeated or not, through Postgres", async () => {
    const instant = fc.date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("2100-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(instant, fc.constant(NOW), fc.constant(null)), { maxLength: 8 }),
        async (values) => {
          const { rows } = await sql<{
            v: Array<Date | null>;
          }>`select ${pgArray(values)}::timestamptz[] as v`.execute(t.db);
          expect(rows[0]!.v.map((d) => d?.toISOString() ?? null)).toEqual(
            values.map((d) => d?.toISOString() ?? null),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("pgArray round-trips any text through Postgres", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.option(
            fc.string({ unit: "binary" }).map((s) => s.replace(/\u0000/g, "")),
            { nil: null },
          ),
          { maxLength: 8 },
        ),
        async (values) => {
          const { rows } = await import("kysely").then(({ sql }) =>
            sql<{ v: Array<string | null> }>`select ${pgArray(values)}::text[] as v`.execute(t.db),
          );
          expect(rows[0]!.v).toEqual(values);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the fast segment count agrees with the full calculator, £ and ¥ included", () => {
    const alphabet = fc.constantFrom(..."abcXYZ 019$£¥@_!?,.-:/\n", "€", "é", "陳", "還", "😀", "^", "{");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }), (chars) => {
        const body = chars.join("");
        const full = countSegments(body);
        expect(smsSegments(body)).toEqual({ segments: full.segments, encoding: full.encoding });
      }),
      { numRuns: 2_000 },
    );
  });
});
