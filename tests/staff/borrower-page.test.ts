import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { createInstance } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action, loader } from "../../app/routes/staff.borrowers.$borrowerId";
import type { BorrowerPageView } from "../../app/staff/borrower-page.server";
import { filterOf } from "../../app/staff/timeline";
import { Timeline } from "../../app/staff/ui/Timeline";
import { ContactDecisions } from "../../app/staff/ui/ContactDecisions";
import { i18nConfig } from "../../app/i18n/config";
import { appendAudit } from "../../app/platform/audit.server";
import enStaff from "../../locales/en/staff.json";
import zhCNStaff from "../../locales/zh-CN/staff.json";
import zhHKStaff from "../../locales/zh-HK/staff.json";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  insertAccount,
  insertBorrower,
  insertMessage,
  insertPayment,
  insertPlan,
  insertPromise,
} from "../support/builders";
import { borrowerWithLink } from "../support/links";
import { localToday } from "../../app/domain/borrower-actions";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

// Logging a call is checked against the wall clock's call window (docs/product-rules.md §4.16), and these
// tests run at any hour: the agent gives a reason, which is only kept when a rule was overridden.
const ANY_HOUR = "Borrower asked to talk now";

const XSS = "<script>alert(1)</script>";
let t: TestDatabase;
let cookie: string;
let agentId: string;
let fixture: Awaited<ReturnType<typeof borrowerWithLink>>;

const T = (iso: string) => new Date(iso);

beforeAll(async () => {
  t = await createTestDatabase();
  const { user } = await enrolledStaff(t.db, "agent", { display_name: "Alex Agent" });
  agentId = user.id;
  cookie = await signedInCookie(t.db, user);

  fixture = await borrowerWithLink(t.db);
  const { borrower, account, link } = fixture;
  const b = borrower.id;
  const sent = await insertMessage(t.db, account, {
    status: "delivered",
    sent_at: T("2030-01-06T02:00:00Z"),
    created_at: T("2030-01-06T01:59:00Z"),
    segments: 2,
    encoding: "UCS-2",
    template_key: "reminder.early.A",
  });
  await t.db
    .insertInto("message_status_events")
    .values([
      { message_id: sent.id, status: "sent", occurred_at: T("2030-01-06T02:00:00Z") },
      { message_id: sent.id, status: "delivered", occurred_at: T("2030-01-06T02:00:05Z") },
    ])
    .execute();
  await insertMessage(t.db, account, {
    direction: "inbound",
    status: "received",
    body: `STOP ${XSS}`,
    created_at: T("2030-01-06T03:00:00Z"),
  });
  await t.db
    .updateTable("short_links")
    .set({
      open_count: 1,
      first_opened_at: T("2030-01-06T04:00:00Z"),
      last_opened_at: T("2030-01-06T04:00:00Z"),
    })
    .where("id", "=", link.id)
    .execute();
  await t.db
    .insertInto("verification_attempts")
    .values({ link_id: link.id, succeeded: false, attempted_at: T("2030-01-06T04:01:00Z") })
    .execute();
  await t.db
    .insertInto("verification_attempts")
    .values({ link_id: link.id, succeeded: true, attempted_at: T("2030-01-06T04:02:00Z") })
    .execute();
  await insertPayment(t.db, account, {
    amount_minor: 12_345,
    status: "succeeded",
    created_at: T("2030-01-06T05:00:00Z"),
    succeeded_at: T("2030-01-06T05:01:00Z"),
  });
  await insertPlan(t.db, account, { status: "rejected", created_at: T("2030-01-07T00:00:00Z") });
  await insertPromise(t.db, account, { status: "broken", created_at: T("2030-01-07T01:00:00Z") });
  await t.db
    .insertInto("hardship_reports")
    .values({
      borrower_id: b,
      account_id: account.id,
      reason: "illness",
      details: `Hospital ${XSS}`,
      currency: "HKD",
      monthly_income_minor: 1_000_000,
      created_at: T("2030-01-08T00:00:00Z"),
    })
    .execute();
  await t.db
    .insertInto("complaints")
    .values({
      borrower_id: b,
      account_id: account.id,
      ack_number: "C20300108-ABCDE",
      category: "conduct",
      body: `Rude ${XSS}`,
      created_at: T("2030-01-08T01:00:00Z"),
    })
    .execute();
  await t.db
    .insertInto("notes")
    .values({
      borrower_id: b,
      staff_user_id: agentId,
      body: `Note ${XSS}`,
      created_at: T("2030-01-08T02:00:00Z"),
    })
    .execute();
  await t.db
    .insertInto("call_attempts")
    .values({
      borrower_id: b,
      account_id: account.id,
      staff_user_id: agentId,
      outcome: "busy",
      occurred_at: T("2030-01-08T03:00:00Z"),
    })
    .execute();
  await t.db
    .insertInto("tasks")
    .values({
      kind: "callback",
      borrower_id: b,
      account_id: account.id,
      borrower_note: `After 5pm ${XSS}`,
      created_at: T("2030-01-08T04:00:00Z"),
      slot_start: T("2030-01-09T09:00:00Z"),
      slot_end: T("2030-01-09T09:30:00Z"),
    })
    .execute();
  await appendAudit(
    t.db,
    {
      actorType: "borrower",
      actorId: b,
      action: "preferences.changed",
      subjectType: "borrower",
      subjectId: b,
      borrowerId: b,
      detail: {
        via: "link",
        changed: ["smsAllowed"],
        before: { smsAllowed: true },
        after: { smsAllowed: false },
      },
    },
    T("2030-01-08T05:00:00Z"),
  );
  await t.db
    .insertInto("contact_decisions")
    .values([
      {
        run_id: "00000000-0000-4000-8000-000000000001",
        account_id: account.id,
        decided_at: T("2030-01-06T01:58:00Z"),
        action: "send",
        reason: "send_due",
        channel: "sms",
      },
      {
        run_id: "00000000-0000-4000-8000-000000000002",
        account_id: account.id,
        decided_at: T("2030-01-07T01:00:00Z"),
        action: "defer",
        reason: "cap_min_gap",
        act_at: T("2030-01-08T02:00:00Z"),
      },
      {
        run_id: "00000000-0000-4000-8000-000000000003",
        account_id: account.id,
        decided_at: T("2030-01-08T01:00:00Z"),
        action: "defer",
        reason: "cap_min_gap",
      },
      {
        run_id: "00000000-0000-4000-8000-000000000004",
        account_id: account.id,
        decided_at: T("2030-01-09T01:00:00Z"),
        action: "suppress",
        reason: "wrong_number",
      },
    ])
    .execute();
});
afterAll(async () => {
  await t.destroy();
});

const context = () => staffContext(t.db);
const page = async (borrowerId = fixture.borrower.id) =>
  outcome(() =>
    loader({
      request: get(`/staff/borrowers/${borrowerId}`, cookie),
      params: { borrowerId },
      context: context(),
    }),
  );
const act = async (form: Record<string, string>, borrowerId = fixture.borrower.id) =>
  outcome(() =>
    action({
      request: post(`/staff/borrowers/${borrowerId}`, form, cookie),
      params: { borrowerId },
      context: context(),
    }),
  );
const views = async () =>
  (
    await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "staff.viewed_borrower")
      .where("borrower_id", "=", fixture.borrower.id)
      .execute()
  ).length;

describe("borrower page", () => {
  it("shows one timeline of everything, newest first, and the schedule's reasons in plain words", async () => {
    const o = await page();
    expect(o.status).toBe(200);
    const v = o.data as BorrowerPageView;
    const kinds = new Set(v.timeline.map((e) => e.kind));
    for (const kind of [
      "message",
      "link_opened",
      "verification",
      "payment",
      "plan",
      "promise",
      "hardship",
      "preferences",
      "complaint",
      "note",
      "call",
      "task",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const times = v.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const delivered = v.timeline.find((e) => e.kind === "message" && e.direction === "outbound");
    expect(delivered).toMatchObject({ segments: 2, encoding: "UCS-2", status: "delivered" });
    expect(delivered && delivered.kind === "message" && delivered.history.map((h) => h.status)).toEqual([
      "queued",
      "sent",
      "delivered",
    ]);
    const prefs = v.timeline.find((e) => e.kind === "preferences");
    expect(prefs).toMatchObject({
      action: "preferences.changed",
      detail: "smsAllowed: true → false, via: link",
    });
    const payment = v.timeline.find((e) => e.kind === "payment");
    expect(payment).toMatchObject({ amount: "HK$123.45" });

    expect(v.accounts[0]).toMatchObject({ balance: "HK$5,000.00", overdue: "HK$500.00" });
    expect(v.silence.lastSentAt).toBe("2030-01-06T02:00:00.000Z");
    expect(v.silence.reasons.map((r) => [r.action, r.reason, r.count])).toEqual([
      ["suppress", "wrong_number", 1],
      ["defer", "cap_min_gap", 2],
    ]);
    expect(v.openTasks.map((task) => task.kind)).toEqual(["callback"]);
  });

  it("names the channel of every decision and held-back reason, in each console language", async () => {
    const account = await insertAccount(t.db, { last4: "6161" });
    const run = (n: number) => `00000000-0000-4000-8000-0000000061${String(n).padStart(2, "0")}`;
    await t.db
      .insertInto("contact_decisions")
      .values([
        {
          run_id: run(1),
          account_id: account.id,
          decided_at: T("2030-01-06T01:00:00Z"),
          action: "defer",
          reason: "quiet_hours",
          channel: "sms",
        },
        {
          run_id: run(2),
          account_id: account.id,
          decided_at: T("2030-01-07T01:00:00Z"),
          action: "defer",
          reason: "quiet_hours",
          channel: "call",
        },
        {
          run_id: run(3),
          account_id: account.id,
          decided_at: T("2030-01-08T01:00:00Z"),
          action: "send",
          reason: "stage_due",
          channel: "visit",
        },
        {
          run_id: run(4),
          account_id: account.id,
          decided_at: T("2030-01-09T01:00:00Z"),
          action: "send",
          reason: "stage_due",
          channel: "email",
        },
      ])
      .execute();
    const v = (await page(account.borrower_id)).data as BorrowerPageView;
    expect(v.decisions.map((d) => d.channel)).toEqual(["email", "visit", "call", "sms"]);
    expect(v.silence.reasons.map((r) => [r.channel, r.reason])).toEqual([
      ["call", "quiet_hours"],
      ["sms", "quiet_hours"],
    ]);
    const expected = {
      en: ["Text", "Email", "Call", "Visit", "Channel"],
      "zh-HK": ["短訊", "電郵", "電話", "上門拜訪", "渠道"],
      "zh-CN": ["短信", "电子邮件", "电话", "上门拜访", "渠道"],
    } as const;
    const catalogs = { en: enStaff, "zh-HK": zhHKStaff, "zh-CN": zhCNStaff };
    for (const lng of ["en", "zh-HK", "zh-CN"] as const) {
      const i18n = createInstance();
      await i18n.use(initReactI18next).init({
        ...i18nConfig,
        lng,
        ns: ["staff"],
        defaultNS: "staff",
        resources: { [lng]: { staff: catalogs[lng] } },
      });
      const html = renderToStaticMarkup(
        createElement(
          I18nextProvider,
          { i18n },
          createElement(ContactDecisions, { silence: v.silence, decisions: v.decisions }),
        ),
      );
      const [sms, email, call, visit, header] = expected[lng];
      expect(html).toContain(`<th scope="col">${header}</th>`);
      // The table: one cell per decision, naming its channel.
      for (const name of [sms, email, call, visit]) expect(html).toContain(`<td>${name}</td>`);
      // The held-back reasons: the call and the text each tagged with their channel.
      expect(html).toContain(`<span class="tag">${call}</span>`);
      expect(html).toContain(`<span class="tag">${sms}</span>`);
    }
  });

  it("writes an audit event for every view, and none for a borrower that does not exist", async () => {
    const before = await views();
    await page();
    await page();
    expect(await views()).toBe(before + 2);
    const row = await t.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "staff.viewed_borrower")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      actor_type: "staff",
      actor_id: agentId,
      subject_type: "borrower",
      subject_id: fixture.borrower.id,
    });

    const total = async () => (await t.db.selectFrom("audit_events").select("id").execute()).length;
    const n = await total();
    expect((await page("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await page("not-a-uuid")).status).toBe(404);
    expect(await total()).toBe(n);
  });

  it("renders borrower- and staff-written text as text, never as markup", async () => {
    const v = (await page()).data as BorrowerPageView;
    const i18n = createInstance();
    await i18n.use(initReactI18next).init({
      ...i18nConfig,
      lng: "en",
      ns: ["staff"],
      defaultNS: "staff",
      resources: { en: { staff: enStaff } },
    });
    const html = renderToStaticMarkup(
      createElement(I18nextProvider, { i18n }, createElement(Timeline, { entries: v.timeline })),
    );
    expect(html).not.toContain("<script>");
    for (const text of ["STOP ", "Hospital ", "Rude ", "Note ", "After 5pm "]) {
      expect(html).toContain(`${text}&lt;script&gt;alert(1)&lt;/script&gt;`);
    }
    expect(html).toContain("Hardship report");
    expect(html).toContain("C20300108-ABCDE");
  });
});

describe("borrower page actions", () => {
  it("adds a note (audited, without its text in the audit log) and rejects empty or overlong notes", async () => {
    const count = async () =>
      (await t.db.selectFrom("notes").select("id").where("borrower_id", "=", fixture.borrower.id).execute())
        .length;
    const n = await count();
    const ok = await act({ intent: "add_note", body: `  Promised to call back ${XSS}  ` });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/staff/borrowers/${fixture.borrower.id}?done=add_note`);
    const note = await t.db
      .selectFrom("notes")
      .selectAll()
      .where("borrower_id", "=", fixture.borrower.id)
      .where("body", "like", "Promised%")
      .executeTakeFirstOrThrow();
    expect(note.body).toBe(`Promised to call back ${XSS}`);
    const audit = await t.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "staff.note_added")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: agentId, subject_id: note.id, borrower_id: fixture.borrower.id });
    expect(JSON.stringify(audit.detail)).not.toContain("Promised");

    expect((await act({ intent: "add_note", body: "   " })).status).toBe(400);
    expect((await act({ intent: "add_note", body: "x".repeat(4001) })).status).toBe(400);
    expect((await act({ intent: "add_note", body: "x".repeat(4000) })).status).toBe(303);
    expect(await count()).toBe(n + 2);
  });

  it("logs call outcomes, but never against another borrower's account", async () => {
    const other = await insertAccount(t.db);
    const wrong = await act({
      intent: "log_call",
      accountId: other.id,
      outcome: "right_party_contact",
      overrideReason: ANY_HOUR,
    });
    expect(wrong.status).toBe(404);
    expect(
      await t.db.selectFrom("call_attempts").select("id").where("account_id", "=", other.id).execute(),
    ).toHaveLength(0);
    expect((await act({ intent: "log_call", outcome: "teleported" })).status).toBe(400);
    // The wall clock may be outside the borrower's call window (§4.16): the agent gives a reason then.
    const overrideReason = "Borrower asked to be called now";
    expect(
      (
        await act({
          intent: "log_call",
          accountId: fixture.account.id,
          outcome: "promise_made",
          overrideReason,
        })
      ).status,
    ).toBe(303);
    expect(
      (await act({ intent: "log_call", accountId: "", outcome: "no_answer", overrideReason })).status,
    ).toBe(303);
    const calls = await t.db
      .selectFrom("call_attempts")
      .select(["outcome", "staff_user_id", "account_id"])
      .where("borrower_id", "=", fixture.borrower.id)
      .where("outcome", "in", ["promise_made", "no_answer"])
      .execute();
    expect(calls.map((c) => c.outcome).sort()).toEqual(["no_answer", "promise_made"]);
    expect(calls.every((c) => c.staff_user_id === agentId)).toBe(true);
  });

  it("resolves this borrower's open tasks only", async () => {
    const otherBorrower = await insertBorrower(t.db);
    const foreign = await t.db
      .insertInto("tasks")
      .values({ kind: "call", borrower_id: otherBorrower.id })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect((await act({ intent: "resolve_task", taskId: foreign.id })).status).toBe(404);
    expect(
      (await t.db.selectFrom("tasks").select("status").where("id", "=", foreign.id).executeTakeFirstOrThrow())
        .status,
    ).toBe("open");

    const own = await t.db
      .insertInto("tasks")
      .values({ kind: "call", borrower_id: fixture.borrower.id })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(
      (await act({ intent: "resolve_task", taskId: own.id, outcome: "Spoke, will pay Friday" })).status,
    ).toBe(303);
    const done = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("id", "=", own.id)
      .executeTakeFirstOrThrow();
    expect(done).toMatchObject({
      status: "done",
      outcome: "Spoke, will pay Friday",
      assigned_to_staff_id: agentId,
    });
    expect((await act({ intent: "resolve_task", taskId: own.id })).status).toBe(404); // already done
  });

  it("sets and clears the wrong-number flag (links revoked, review closed) and the dispute flag, each audited", async () => {
    const { account, link } = await borrowerWithLink(t.db);
    const review = await t.db
      .insertInto("tasks")
      .values({ kind: "wrong_number_review", borrower_id: account.borrower_id, account_id: account.id })
      .returning("id")
      .executeTakeFirstOrThrow();
    const on = await act({ intent: "set_wrong_number", accountId: account.id }, account.borrower_id);
    expect(on.status).toBe(303);
    const flagged = await t.db
      .selectFrom("accounts")
      .select(["wrong_number_at", "dispute_at"])
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(flagged.wrong_number_at).not.toBeNull();
    expect(
      (
        await t.db
          .selectFrom("short_links")
          .select("revoked_reason")
          .where("id", "=", link.id)
          .executeTakeFirstOrThrow()
      ).revoked_reason,
    ).toBe("wrong_number");
    expect(
      await t.db
        .selectFrom("tasks")
        .select(["status", "outcome"])
        .where("id", "=", review.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: "done", outcome: "confirmed_wrong_number" });

    expect(
      (await act({ intent: "clear_wrong_number", accountId: account.id }, account.borrower_id)).status,
    ).toBe(303);
    expect((await act({ intent: "set_dispute", accountId: account.id }, account.borrower_id)).status).toBe(
      303,
    );
    const after = await t.db
      .selectFrom("accounts")
      .select(["wrong_number_at", "dispute_at"])
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(after.wrong_number_at).toBeNull();
    expect(after.dispute_at).not.toBeNull();
    expect((await act({ intent: "clear_dispute", accountId: account.id }, account.borrower_id)).status).toBe(
      303,
    );

    const actions = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", account.id)
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      "staff.wrong_number_set",
      "staff.wrong_number_cleared",
      "staff.dispute_set",
      "staff.dispute_cleared",
    ]);

    // Another borrower's account through this borrower's page: nothing changes.
    expect((await act({ intent: "set_dispute", accountId: account.id })).status).toBe(404);
    expect(
      (
        await t.db
          .selectFrom("accounts")
          .select("dispute_at")
          .where("id", "=", account.id)
          .executeTakeFirstOrThrow()
      ).dispute_at,
    ).toBeNull();
  });

  it("refuses unknown intents with 400 and nothing written", async () => {
    const n = (await t.db.selectFrom("audit_events").select("id").execute()).length;
    expect((await act({ intent: "delete_borrower" })).status).toBe(400);
    expect((await act({})).status).toBe(400);
    expect((await t.db.selectFrom("audit_events").select("id").execute()).length).toBe(n);
  });
});

describe("borrower page usability: timeline filters, the borrower's own words, the next contact", () => {
  type Workspace = BorrowerPageView & {
    timelineFilters: { shown: string[]; counts: Record<string, number> };
    nextContact: Array<{ accountLast4: string; action: string; reason: string; at: string | null }>;
  };
  const filtered = async (query: string) => {
    const borrowerId = fixture.borrower.id;
    const o = await outcome(() =>
      loader({
        request: get(`/staff/borrowers/${borrowerId}?${query}`, cookie),
        params: { borrowerId },
        context: context(),
      }),
    );
    expect(o.status).toBe(200);
    return o.data as Workspace;
  };
  const kinds = (v: Workspace) => [...new Set(v.timeline.map((e) => e.kind))].sort();

  it("filters the timeline by the kinds in the query string (a plain GET), and counts every kind", async () => {
    const all = await filtered("");
    expect(all.timelineFilters.shown).toEqual([]);
    const texts = await filtered("show=texts");
    expect(kinds(texts)).toEqual(["message"]);
    expect(texts.timeline).toHaveLength(all.timelineFilters.counts.texts!);
    expect(kinds(await filtered("show=calls"))).toEqual(["call", "task"]);
    expect(kinds(await filtered("show=payments"))).toEqual(["payment"]);
    expect(kinds(await filtered("show=portal"))).toEqual([
      "complaint",
      "hardship",
      "link_opened",
      "plan",
      "preferences",
      "promise",
      "verification",
    ]);
    expect(kinds(await filtered("show=staff"))).toEqual(["note"]);
    const two = await filtered("show=texts&show=staff");
    expect(kinds(two)).toEqual(["message", "note"]);
    expect(two.timelineFilters.shown).toEqual(["texts", "staff"]);
    // Every entry is in exactly one filter; unknown words are dropped, not an error.
    const counts = Object.values(all.timelineFilters.counts).reduce((a, b) => a + b, 0);
    expect(counts).toBe(all.timeline.length);
    const junk = await filtered(`show=${encodeURIComponent(XSS)}&show=visits&show=calls`);
    expect(junk.timelineFilters.shown).toEqual(["calls", "visits"]);
    expect(kinds(junk)).toEqual(["call", "task"]);
    expect(await filtered("show=visits").then((v) => v.timeline)).toEqual([]);
  });

  it("a preference change an agent entered on a call is a staff action, the borrower's own a portal action", async () => {
    const changed = await act({
      intent: "update_preferences",
      accountId: fixture.account.id,
      channels: "sms",
      language: "en",
    });
    expect(changed.status).toBe(303);
    const staff = await filtered("show=staff");
    expect(staff.timeline.filter((e) => e.kind === "preferences")).toHaveLength(1);
    const portal = await filtered("show=portal");
    expect(portal.timeline.filter((e) => e.kind === "preferences")).toHaveLength(1);
  });

  it("sets the borrower's own words apart, labelled: complaint, hardship details, booking note, inbound text", async () => {
    const v = await filtered("");
    const i18n = createInstance();
    await i18n.use(initReactI18next).init({
      ...i18nConfig,
      lng: "en",
      ns: ["staff"],
      defaultNS: "staff",
      resources: { en: { staff: enStaff } },
    });
    const html = renderToStaticMarkup(
      createElement(I18nextProvider, { i18n }, createElement(Timeline, { entries: v.timeline })),
    );
    const quoted = [
      ...html.matchAll(
        /<figure class="borrower-words"><figcaption>In the borrower&#x27;s words<\/figcaption><blockquote class="free-text">([^<]*)</g,
      ),
    ].map((m) => m[1]!.split(" ")[0]);
    expect(quoted.sort()).toEqual(["After", "Hospital", "Rude", "STOP"]);
    expect(html).toContain(`<blockquote class="free-text">Note &lt;script&gt;`);
  });

  it("shows the next contact with its reason as the planner decides it now: a promise an agent records defers it", async () => {
    const account = await insertAccount(t.db, { last4: "7788" });
    const borrowerId = account.borrower_id;
    const view = async () =>
      (
        await outcome(() =>
          loader({
            request: get(`/staff/borrowers/${borrowerId}`, cookie),
            params: { borrowerId },
            context: context(),
          }),
        )
      ).data as Workspace;
    const before = (await view()).nextContact;
    expect(before).toHaveLength(1);
    expect(before[0]!.accountLast4).toBe("7788");
    expect(before[0]!.reason).not.toBe("promise_pending");

    const today = localToday(new Date(), "Asia/Hong_Kong");
    const promised = await outcome(() =>
      action({
        request: post(
          `/staff/borrowers/${borrowerId}`,
          { intent: "make_promise", accountId: account.id, amount: "100", promisedDate: today },
          cookie,
        ),
        params: { borrowerId },
        context: context(),
      }),
    );
    expect(promised.status).toBe(303);
    const page = await view();
    const after = page.nextContact;
    // Recorded by the agent: a staff action on the timeline, not a portal one.
    const promise = page.timeline.find((e) => e.kind === "promise");
    expect(promise && filterOf(promise)).toBe("staff");
    expect(after).toEqual([
      {
        accountLast4: "7788",
        action: "defer",
        reason: "promise_pending",
        channel: null,
        at: expect.any(String),
      },
    ]);
  });
});
