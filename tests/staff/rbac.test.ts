import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "../../db/schema";
import {
  STAFF_ROLES,
  STAFF_ROUTE_ACCESS,
  DEFAULT_INTENT,
  type RouteAccess,
} from "../../app/staff/permissions";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startStripeTestDouble, type StripeTestDouble } from "../mocks/stripe-double";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import { insertAccount, insertBorrower, insertPlan, insertStaffUser } from "../support/builders";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { getSmsTemplate } from "../../app/domain/sms-templates";
import { createApiKey } from "../../app/api/api-keys.server";
import { policyFormValues } from "../../app/staff/policy-form";
import { settlementPolicyValues } from "../../app/staff/settlement-policy-form";
import { DEFAULT_SETTLEMENT_POLICY } from "../../app/domain/settlement";
import { appointmentSlots } from "../../app/domain/appointment-slots";
import { localToday } from "../../app/domain/borrower-actions";
import {
  enrolledStaff,
  get,
  outcome,
  post,
  signedInCookie,
  staffContext,
  type RouteOutcome,
} from "./support";

/**
 * Every staff route file, called as every role and as nobody, against the one
 * permissions table. A new route under app/routes/staff* without an entry, or
 * an action intent without a sample request here, fails this test.
 */
const ROUTE_FILES = readdirSync(resolve("app/routes")).filter((f) => /^staff([._].*)?\.tsx?$/.test(f));
const routeKey = (file: string) => file.replace(/\.tsx?$/, "");
type Who = StaffRole | "anonymous";
const EVERYONE: Who[] = ["anonymous", ...STAFF_ROLES];

let t: TestDatabase;
let borrowerId: string;
let accountId: string;
let planId: string;
let double: StripeTestDouble;
let caseId: string;
let activeAgentId: string;
const cookies = new Map<StaffRole, () => Promise<string>>();

beforeAll(async () => {
  t = await createTestDatabase();
  const borrower = await insertBorrower(t.db);
  borrowerId = borrower.id;
  accountId = (await insertAccount(t.db, { borrower_id: borrower.id })).id;
  planId = (await proposedPlan()).id;
  await storedReconciliationRun();
  // Running a reconciliation asks the Stripe SDK for the day's balance: here, the test double's.
  double = await startStripeTestDouble({
    port: 0,
    appBaseUrl: "http://127.0.0.1:9",
    webhookSecret: DEV_WEBHOOK_SECRET,
  });
  process.env.STRIPE_TEST_DOUBLE_PORT = String(double.port);
  caseId = await insertCase("complaint", "open");
  activeAgentId = (await insertStaffUser(t.db, { role: "agent" })).id;
  for (const role of STAFF_ROLES) {
    const { user } = await enrolledStaff(t.db, role);
    cookies.set(role, () => signedInCookie(t.db, user));
  }
});
afterAll(async () => {
  await double?.close();
  await t.destroy();
});

/** A reconciled day for the CSV download to serve (an empty day: the route's rows, not the matching, are under test). */
async function storedReconciliationRun() {
  const report = { day: "2026-12-01", timeZone: "UTC", totals: [], mismatches: [], offline: [] };
  await t.db
    .insertInto("reconciliation_runs")
    .values({
      day: report.day,
      time_zone: "UTC",
      status: "matched",
      mismatches: 0,
      report: JSON.stringify(report),
    })
    .execute();
}

/** A sample can also name route params, for actions that consume the row in the URL (e.g. a plan decision). */
const ROUTE_PARAMS = Symbol("route params");
type Sample = Record<string, string> & { [ROUTE_PARAMS]?: Record<string, string> };

/** A borrower's plan waiting for an approver, on an account of its own (one open plan per account). */
async function proposedPlan() {
  const account = await insertAccount(t.db, { borrower_id: borrowerId });
  return insertPlan(t.db, account, { status: "proposed", proposed_by: "borrower" });
}
const planDecision = (form: Record<string, string>) => async (): Promise<Sample> => ({
  ...form,
  [ROUTE_PARAMS]: { planId: (await proposedPlan()).id },
});
const activePolicyVersion = async () =>
  String(
    (
      await t.db
        .selectFrom("contact_policies")
        .select("version")
        .where("active", "=", true)
        .executeTakeFirst()
    )?.version ?? 0,
  );
const activeTemplateVersion = async (stage: string, locale: string) =>
  String(
    (
      await t.db
        .selectFrom("sms_templates")
        .select("version")
        .where("active", "=", true)
        .where("stage", "=", stage)
        .where("locale", "=", locale as "en")
        .executeTakeFirst()
    )?.version ?? 0,
  );
let variantCounter = 0;

/** The running strategy experiment's id, starting one (a copy of the defaults, 10%) when none runs. */
async function runningExperimentId(): Promise<string> {
  const running = await t.db
    .selectFrom("policy_experiments")
    .select("id")
    .where("status", "=", "running")
    .executeTakeFirst();
  if (running) return running.id;
  const row = await t.db
    .insertInto("policy_experiments")
    .values({
      name: "RBAC sample",
      challenger_policy: JSON.stringify(DEFAULT_CONTACT_POLICY),
      share_percent: 10,
      champion_version: 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Acting for a borrower: each sample on a borrower of its own (one promise or plan per account, texts rate-limited). */
const forFreshBorrower = (form: (today: string) => Record<string, string>) => async (): Promise<Sample> => {
  const account = await insertAccount(t.db);
  const today = localToday(new Date(), "Asia/Hong_Kong");
  return { ...form(today), accountId: account.id, [ROUTE_PARAMS]: { borrowerId: account.borrower_id } };
};
const inDays = (today: string, days: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

let caseCounter = 0;
/** A complaint or hardship report in a given state, with its task, as the portal and earlier moves leave it. */
async function insertCase(
  type: "complaint" | "hardship",
  status: "open" | "in_progress" | "awaiting_borrower",
) {
  const account = await insertAccount(t.db);
  const common = {
    borrower_id: account.borrower_id,
    account_id: account.id,
    status,
    acknowledged_at: status === "open" ? null : new Date(),
  };
  const row =
    type === "complaint"
      ? await t.db
          .insertInto("complaints")
          .values({
            ...common,
            ack_number: `C20300101-R${String(++caseCounter).padStart(4, "0")}`,
            category: "other",
            body: "x",
          })
          .returning("id")
          .executeTakeFirstOrThrow()
      : await t.db
          .insertInto("hardship_reports")
          .values({ ...common, reason: "illness", currency: "HKD" })
          .returning("id")
          .executeTakeFirstOrThrow();
  await t.db
    .insertInto("tasks")
    .values({
      kind: type === "complaint" ? "complaint" : "hardship_review",
      borrower_id: account.borrower_id,
      account_id: account.id,
      source_type: type === "complaint" ? "complaint" : "hardship_report",
      source_id: row.id,
    })
    .execute();
  return row.id;
}
const onCase =
  (
    type: "complaint" | "hardship",
    status: "open" | "in_progress" | "awaiting_borrower",
    form: Record<string, string>,
  ) =>
  async (): Promise<Sample> => ({ ...form, [ROUTE_PARAMS]: { caseId: await insertCase(type, status) } });
/** A staff settlement on an account of its own, proposed by someone other than any signed-in role. */
const settlementDecision =
  (status: "pending_approval" | "offered", form: Record<string, string>) => async (): Promise<Sample> => {
    const account = await insertAccount(t.db, { dpd: 30 });
    const settlement = await t.db
      .insertInto("settlements")
      .values({
        account_id: account.id,
        borrower_id: account.borrower_id,
        origin: "staff",
        status,
        currency: account.currency,
        balance_minor: account.balance_minor,
        discount_bp: 1000,
        agreed_minor: account.balance_minor - account.balance_minor / 10,
        payment_counts: [1],
        window_days: 0,
        expires_at: new Date(Date.now() + 86_400_000),
        proposed_by_staff_id: activeAgentId,
        proposal_reason: "call",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ...form, settlementId: settlement.id, [ROUTE_PARAMS]: { borrowerId: account.borrower_id } };
  };

const unownedTask = async () =>
  (
    await t.db
      .insertInto("tasks")
      .values({ kind: "call", borrower_id: borrowerId, account_id: accountId })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

/** A valid request body per route and intent; fresh rows where the action consumes them. */
const SAMPLE_FORMS: Record<string, Record<string, () => Promise<Sample>>> = {
  "staff.borrowers.$borrowerId": {
    add_note: async () => ({ intent: "add_note", body: "Called, left a message." }),
    // With a reason: the wall clock may be outside the call window (§4.16).
    log_call: async () => ({
      intent: "log_call",
      accountId,
      outcome: "no_answer",
      overrideReason: "rang in",
    }),
    resolve_task: async () => {
      const task = await t.db
        .insertInto("tasks")
        .values({ kind: "call", borrower_id: borrowerId, account_id: accountId })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { intent: "resolve_task", taskId: task.id, outcome: "done" };
    },
    set_wrong_number: async () => ({ intent: "set_wrong_number", accountId }),
    clear_wrong_number: async () => ({ intent: "clear_wrong_number", accountId }),
    set_dispute: async () => ({ intent: "set_dispute", accountId }),
    clear_dispute: async () => ({ intent: "clear_dispute", accountId }),
    log_visit: async () => {
      const task = await t.db
        .insertInto("tasks")
        .values({ kind: "visit", borrower_id: borrowerId, account_id: accountId })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { intent: "log_visit", taskId: task.id, outcome: "not_home", notes: "Nobody answered." };
    },
    set_phone_owner: async () => ({ intent: "set_phone_owner", phoneOwner: "borrower" }),
    refuse_visits: async () => ({ intent: "refuse_visits" }),
    allow_visits: async () => ({ intent: "allow_visits" }),
    // A fresh cease-contact each time (one in force refuses a second); ending needs one in force.
    set_status: forFreshBorrower(() => ({
      intent: "set_status",
      kind: "cease_contact",
      reason: "Asked on a call",
    })),
    end_status: async () => {
      const status = await t.db
        .insertInto("account_statuses")
        .values({
          borrower_id: borrowerId,
          kind: "vulnerable",
          reason: "Told us on a call",
          source: "console",
          set_by: "test",
          starts_at: new Date(Date.now() - 60_000),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { intent: "end_status", statusId: status.id, reason: "No longer applies" };
    },
    make_promise: forFreshBorrower((today) => ({
      intent: "make_promise",
      amount: "100",
      promisedDate: today,
    })),
    propose_plan: forFreshBorrower((today) => ({
      intent: "propose_plan",
      count: "3",
      frequency: "monthly",
      firstDueDate: inDays(today, 7),
    })),
    update_preferences: forFreshBorrower(() => ({
      intent: "update_preferences",
      channels: "sms",
      language: "zh-HK",
    })),
    record_opt_out: forFreshBorrower(() => ({ intent: "record_opt_out" })),
    book_callback: forFreshBorrower(() => ({
      intent: "book_callback",
      slot: appointmentSlots(new Date(), "Asia/Hong_Kong")[0]!.start,
    })),
    send_link: forFreshBorrower(() => ({ intent: "send_link" })),
    send_payment_link: forFreshBorrower(() => ({ intent: "send_payment_link", amount: "100" })),
  },
  "staff.borrowers.$borrowerId_.settlements": {
    propose: async () => {
      const account = await insertAccount(t.db, { dpd: 30 });
      return {
        intent: "propose",
        accountId: account.id,
        discountPercent: "10",
        paymentCount: "1",
        windowDays: "0",
        validityDays: "14",
        reason: "Agreed on a call.",
        [ROUTE_PARAMS]: { borrowerId: account.borrower_id },
      };
    },
    approve: settlementDecision("pending_approval", { intent: "approve", reason: "Within mandate." }),
    reject: settlementDecision("pending_approval", { intent: "reject", reason: "Too deep a discount." }),
    withdraw: settlementDecision("offered", { intent: "withdraw", reason: "Offer made in error." }),
  },
  "staff.settlement-policy": {
    save: async () => ({
      ...settlementPolicyValues(DEFAULT_SETTLEMENT_POLICY),
      graceDays: String(++variantCounter),
      intent: "save",
      baseVersion: String(
        (
          await t.db
            .selectFrom("settlement_policies")
            .select("version")
            .where("active", "=", true)
            .executeTakeFirst()
        )?.version ?? 0,
      ),
    }),
  },
  "staff.work": {
    claim: async () => ({ intent: "claim", taskId: await unownedTask() }),
    release: async () => ({ intent: "release", taskId: await unownedTask() }),
    assign: async () => ({ intent: "assign", taskId: await unownedTask(), assigneeId: activeAgentId }),
  },
  "staff.cases.$caseId": {
    acknowledge: onCase("complaint", "open", { intent: "acknowledge" }),
    await_borrower: onCase("complaint", "in_progress", { intent: "await_borrower" }),
    resume: onCase("complaint", "awaiting_borrower", { intent: "resume" }),
    resolve: onCase("complaint", "in_progress", { intent: "resolve", response: "We have corrected it." }),
    reject: onCase("hardship", "in_progress", { intent: "reject", response: "We cannot pause further." }),
    add_case_note: onCase("complaint", "open", { intent: "add_case_note", body: "Called the branch." }),
    grant_pause: onCase("hardship", "open", {
      intent: "grant_pause",
      until: inDays(localToday(new Date(), "Asia/Hong_Kong"), 20),
      reason: "Back at work next month.",
    }),
  },
  "staff.users": {
    revoke_sessions: async () => ({
      intent: "revoke_sessions",
      staffUserId: (await insertStaffUser(t.db, { role: "agent" })).id,
    }),
    invite: async () => ({
      intent: "invite",
      email: `invitee${++variantCounter}@bank.example`,
      role: "agent",
    }),
    disable: async () => ({
      intent: "disable",
      staffUserId: (await insertStaffUser(t.db, { role: "agent" })).id,
    }),
    enable: async () => ({
      intent: "enable",
      staffUserId: (await insertStaffUser(t.db, { role: "agent", disabled_at: new Date() })).id,
    }),
    change_role: async () => ({
      intent: "change_role",
      staffUserId: (await insertStaffUser(t.db, { role: "agent" })).id,
      role: "approver",
    }),
    reset_2fa: async () => ({
      intent: "reset_2fa",
      staffUserId: (await insertStaffUser(t.db, { role: "agent" })).id,
    }),
  },
  "staff.sign-out": { [DEFAULT_INTENT]: async () => ({}) },
  "staff_.outbox": { [DEFAULT_INTENT]: async () => ({ from: "+85291234567", body: "HELP" }) },
  "staff.approvals.$planId": {
    approve: planDecision({ intent: "approve" }),
    reject: planDecision({ intent: "reject", reason: "Income does not cover it." }),
    counter: planDecision({
      intent: "counter",
      count: "6",
      frequency: "monthly",
      firstDueDate: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10),
    }),
  },
  "staff.policy": {
    save: async () => ({
      ...policyFormValues(DEFAULT_CONTACT_POLICY),
      intent: "save",
      baseVersion: await activePolicyVersion(),
    }),
  },
  "staff.experiments": {
    // Each start needs the slot free; each stop or promote needs a running experiment of its own.
    start: async () => {
      await t.db
        .updateTable("policy_experiments")
        .set({ status: "stopped", ended_at: new Date() })
        .where("status", "=", "running")
        .execute();
      return {
        ...policyFormValues(DEFAULT_CONTACT_POLICY),
        intent: "start",
        name: "RBAC sample",
        sharePercent: "10",
      };
    },
    stop: async () => ({ intent: "stop", experimentId: await runningExperimentId() }),
    promote: async () => ({ intent: "promote", experimentId: await runningExperimentId() }),
  },
  "staff.templates._index": {
    add_variant: async () => ({ intent: "add_variant", stage: "mid", variant: `Z${++variantCounter}` }),
  },
  "staff.templates.edit": {
    preview: async () => ({
      intent: "preview",
      stage: "early",
      variant: "A",
      locale: "en",
      baseVersion: "0",
      body: getSmsTemplate("en", "reminder.early.A"),
    }),
    save: async () => ({
      intent: "save",
      stage: "help",
      variant: "A",
      locale: "en",
      body: `{{bank}}: Reminder texts about your account (${++variantCounter}). For help, call {{hotline}}. Reply STOP to opt out`,
      baseVersion: await activeTemplateVersion("help", "en"),
    }),
  },
  "staff.webhooks": {
    redeliver: async () => ({
      intent: "redeliver",
      eventId: (
        await t.db
          .insertInto("bank_events")
          .values({ type: "test.event", payload: {} })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id,
    }),
  },
  // Each on a borrower of its own: an erasure is once per borrower.
  "staff.borrowers.$borrowerId_.data": {
    export: forFreshBorrower(() => ({ intent: "export", reason: "SAR-1" })),
    erase: async () => {
      const account = await insertAccount(t.db);
      const { external_ref } = await t.db
        .selectFrom("borrowers")
        .select("external_ref")
        .where("id", "=", account.borrower_id)
        .executeTakeFirstOrThrow();
      return {
        intent: "erase",
        reason: "GDPR-17",
        confirm: external_ref,
        [ROUTE_PARAMS]: { borrowerId: account.borrower_id },
      };
    },
  },
  "staff.reconciliation": { run: async () => ({ intent: "run", day: "2026-12-01" }) },
  "staff.api-keys": {
    create: async () => ({ intent: "create", name: "Core sync", scopes: "accounts:write" }),
    revoke: async () => ({
      intent: "revoke",
      prefix: (
        await createApiKey(t.db, { name: "to revoke", scopes: ["payments:write"], hashKey: "k".repeat(32) })
      ).prefix,
    }),
  },
};

function pathFor(key: string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const segments = key
    .replace("[.]", "\u0000")
    .split(".")
    .map((s) => s.replace("\u0000", "."))
    .filter((s) => s !== "_index")
    .map((s) => s.replace(/_$/, ""))
    .map((s) => {
      if (!s.startsWith("$")) return s;
      const name = s.slice(1);
      const values: Record<string, string> = { borrowerId, planId, caseId };
      const value = values[name];
      if (value === undefined) throw new Error(`no test value for route parameter ${name} in ${key}`);
      params[name] = value;
      return value;
    });
  return { path: `/${segments.join("/")}`, params };
}

type Verdict = "allowed" | "forbidden" | "login" | `error ${number}`;
function verdict(o: RouteOutcome): Verdict {
  if (o.status === 403) return "forbidden";
  if (o.status >= 300 && o.status < 400 && /^\/staff\/login(\?next=[^&]*)?$/.test(o.location ?? ""))
    return "login";
  if (o.status < 400) return "allowed";
  return `error ${o.status}`;
}

const expected = (who: Who, roles: readonly StaffRole[]): Verdict =>
  who === "anonymous" ? "login" : roles.includes(who) ? "allowed" : "forbidden";

describe("staff RBAC matrix", () => {
  it("finds the staff routes, and every one has an entry in the permissions table (and vice versa)", () => {
    expect(ROUTE_FILES.length).toBeGreaterThanOrEqual(10);
    const keys = ROUTE_FILES.map(routeKey);
    for (const key of keys)
      expect(
        STAFF_ROUTE_ACCESS,
        `app/routes/${key} needs an entry in app/staff/permissions.ts`,
      ).toHaveProperty([key]);
    expect(Object.keys(STAFF_ROUTE_ACCESS).sort()).toEqual([...keys].sort());
  });

  it.each(ROUTE_FILES)("%s answers each role as the table says", async (file) => {
    const key = routeKey(file);
    const access = (STAFF_ROUTE_ACCESS as Record<string, RouteAccess>)[key];
    expect(access, `no permissions entry for ${key}`).toBeDefined();
    const mod = (await import(resolve("app/routes", file))) as {
      loader?: (args: unknown) => Promise<unknown>;
      action?: (args: unknown) => Promise<unknown>;
    };
    const { path, params } = pathFor(key);
    const context = staffContext(t.db);
    const cookieFor = async (who: Who) => (who === "anonymous" ? undefined : await cookies.get(who)!());
    const results: string[] = [];
    const check = (label: string, got: Verdict, want: Verdict) => {
      if (got !== want) results.push(`${label}: expected ${want}, got ${got}`);
    };

    if (access!.kind === "public") {
      for (const who of EVERYONE) {
        if (mod.loader)
          check(
            `${who} GET`,
            verdict(
              await outcome(async () =>
                mod.loader!({ request: get(path, await cookieFor(who)), params, context }),
              ),
            ),
            "allowed",
          );
      }
    } else if (access!.kind === "pending") {
      // Without a half-finished sign-in, nobody (signed in or not) gets these pages.
      for (const who of EVERYONE) {
        const cookie = await cookieFor(who);
        if (mod.loader)
          check(
            `${who} GET`,
            verdict(await outcome(() => mod.loader!({ request: get(path, cookie), params, context }))),
            "login",
          );
        if (mod.action)
          check(
            `${who} POST`,
            verdict(
              await outcome(() =>
                mod.action!({ request: post(path, { code: "123456" }, cookie), params, context }),
              ),
            ),
            "login",
          );
      }
    } else {
      expect(Boolean(mod.loader), `${key}: loader exported iff the table lists loader roles`).toBe(
        access!.loader !== undefined,
      );
      expect(Boolean(mod.action), `${key}: action exported iff the table lists action intents`).toBe(
        access!.action !== undefined,
      );
      for (const who of EVERYONE) {
        if (mod.loader) {
          const got = verdict(
            await outcome(async () =>
              mod.loader!({ request: get(path, await cookieFor(who)), params, context }),
            ),
          );
          check(`${who} GET`, got, expected(who, access!.loader!));
        }
        for (const [intent, roles] of Object.entries(access!.action ?? {})) {
          const sample = SAMPLE_FORMS[key]?.[intent];
          expect(
            sample,
            `add a sample request for ${key} intent ${intent} to tests/staff/rbac.test.ts`,
          ).toBeDefined();
          const { [ROUTE_PARAMS]: own, ...form } = await sample!();
          const got = verdict(
            await outcome(async () =>
              mod.action!({
                request: post(path, form, await cookieFor(who)),
                params: { ...params, ...own },
                context,
              }),
            ),
          );
          check(`${who} POST ${intent}`, got, expected(who, roles));
        }
      }
    }
    expect(results).toEqual([]);
  });

  it("a role that may not act is refused before its input is even validated", async () => {
    const mod = await import("../../app/routes/staff.borrowers.$borrowerId");
    const approver = await cookies.get("approver")!();
    const count = async () =>
      (await t.db.selectFrom("call_attempts").select("id").where("borrower_id", "=", borrowerId).execute())
        .length;
    const before = await count();
    const o = await outcome(() =>
      mod.action({
        request: post(
          `/staff/borrowers/${borrowerId}`,
          { intent: "log_call", outcome: "nonsense" },
          approver,
        ),
        params: { borrowerId },
        context: staffContext(t.db),
      }),
    );
    expect(o.status).toBe(403);
    expect(await count()).toBe(before);
  });
});
