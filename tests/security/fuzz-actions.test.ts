import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { formBodyRefusal } from "../../app/server/security.server";
import { unsubscribeToken } from "../../app/messaging/email-unsubscribe.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff, signedInCookie, staffContext } from "../staff/support";

/**
 * Every route module that exports an `action`, fed random and malicious bodies
 * (random strings, ~100 KB strings, script tags, SQL metacharacters, NUL bytes,
 * astral unicode, wrong types, missing fields, random intents) in url-encoded,
 * multipart, JSON and plain-text bodies, anonymous, as a signed-in borrower and
 * as a signed-in admin. What the app would answer: the Express body guard
 * (formBodyRefusal, the same function the middleware runs) first, then the
 * action. Never a 5xx or an uncaught error; a 4xx writes nothing.
 */

type RouteModule = { action?: (args: unknown) => Promise<unknown> };
const modules = import.meta.glob<RouteModule>("../../app/routes/*.{ts,tsx}");

const BUSINESS_TABLES = [
  "payments",
  "instalment_plans",
  "instalments",
  "promises_to_pay",
  "hardship_reports",
  "complaints",
  "case_events",
  "tasks",
  "notes",
  "contact_preferences",
  "messages",
  "bank_events",
  "api_keys",
  "staff_users",
  "sms_templates",
  "contact_policies",
  "policy_experiments",
  "settlement_policies",
  "settlements",
  "settlement_payments",
  "accounts",
  "borrowers",
  "consent_events",
  "data_exports",
] as const;

const HUGE = [
  "x".repeat(100 * 1024),
  "<script>alert(1)</script>".repeat(4000),
  "'; drop table payments; --".repeat(4000),
];
const NASTY = [
  "",
  " ",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(1)",
  "' OR '1'='1",
  "'; DROP TABLE payments; --",
  "%_\\",
  "\\'",
  "a\u0000b",
  "\u0000",
  "\uD83D\uDE00\u202E\u200B",
  "\uFFFF\uFFFE",
  "\uD800",
  "NaN",
  "Infinity",
  "-1",
  "-0",
  "0",
  "1e309",
  "99999999999999999999999",
  "12.345",
  "2024-02-30",
  "0000-00-00",
  "9999-12-31",
  "true",
  "null",
  "undefined",
  "[object Object]",
  "00000000-0000-0000-0000-000000000000",
  "../../etc/passwd",
  "https://evil.example/",
  "//evil.example",
  '{"a":1}',
];
const FIELD_NAMES = [
  "intent",
  "amount",
  "promisedDate",
  "date",
  "reason",
  "details",
  "description",
  "category",
  "message",
  "body",
  "notes",
  "note",
  "count",
  "frequency",
  "firstDueDate",
  "newDate",
  "total",
  "planId",
  "day",
  "month",
  "year",
  "idLast4",
  "dob",
  "password",
  "code",
  "totp",
  "email",
  "username",
  "name",
  "role",
  "displayName",
  "prefix",
  "variant",
  "stage",
  "locale",
  "lng",
  "next",
  "returnTo",
  "q",
  "from",
  "to",
  "taskId",
  "accountId",
  "staffUserId",
  "eventId",
  "baseVersion",
  "experimentId",
  "sharePercent",
  "jurisdictions",
  "hardshipPauseDays",
  "promiseGraceDays",
  "stage.mid.channel.1",
  "stage.mid.channel.2",
  "stage.mid.channelsListed",
  "escalation.undeliveredTexts",
  "escalation.ignoredReminders",
  "escalation.whenRefused",
  "caps.connectedCallsPerDay",
  "channel",
  "time",
  "slot",
  "phone",
  "quietHoursStart",
  "quietHoursEnd",
  "language",
  "outcome",
  "overrideReason",
  "phoneOwner",
  "notes",
  "noVisits",
  "scopes",
  "assigneeId",
  "caseId",
  "response",
  "until",
  "token",
  "confirm",
  "List-Unsubscribe",
  "settlementId",
  "paymentCount",
  "agreedMinor",
  "discountPercent",
  "windowDays",
  "validityDays",
  "graceDays",
  "band.0.minDpd",
  "band.0.maxDiscountPercent",
  "band.0.paymentCounts",
  "kind",
  "statusId",
  "validationNotice",
];
const INTENTS = [
  "export",
  "erase",
  "verify",
  "not_me",
  "stop_texts",
  "start_texts",
  "save",
  "preview",
  "submit",
  "accept",
  "decline",
  "approve",
  "reject",
  "counter",
  "create",
  "revoke",
  "add_note",
  "add_variant",
  "clear_dispute",
  "set_dispute",
  "set_status",
  "end_status",
  "clear_wrong_number",
  "set_wrong_number",
  "log_call",
  "log_visit",
  "set_phone_owner",
  "refuse_visits",
  "allow_visits",
  "redeliver",
  "resolve_task",
  "revoke_sessions",
  "disable",
  "enable",
  "reset_2fa",
  "change_role",
  "invite",
  "make_promise",
  "propose_plan",
  "update_preferences",
  "record_opt_out",
  "book_callback",
  "send_link",
  "send_payment_link",
  "claim",
  "release",
  "assign",
  "acknowledge",
  "await_borrower",
  "resume",
  "resolve",
  "add_case_note",
  "grant_pause",
  "propose",
  "withdraw",
  "pay",
  "autopay_on",
  "autopay_off",
];

const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);
const fields = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })),
  fc.oneof(value, fc.array(value, { maxLength: 3 })),
  {
    maxKeys: 8,
  },
);
const input = fc.record({
  fields,
  intent: fc.option(fc.oneof(fc.constantFrom(...INTENTS), value), { nil: undefined }),
  encoding: fc.oneof(
    { weight: 6, arbitrary: fc.constant("urlencoded" as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "multipart" as const,
        "json" as const,
        "text" as const,
        "none" as const,
        "garbled-multipart" as const,
      ),
    },
  ),
  who: fc.constantFrom("anon", "borrower", "borrower", "agent", "approver", "supervisor", "admin"),
  param: fc.oneof(fc.constant("valid"), value),
});
type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

let t: TestDatabase;
let borrower: Awaited<ReturnType<typeof signedInBorrower>>;
const ROLES = ["agent", "approver", "supervisor", "admin"] as const;
const staffUsers = new Map<string, Awaited<ReturnType<typeof enrolledStaff>>["user"]>();
const staffCookies = new Map<string, string>();
const planId = "7d0c5f5e-3b1a-4c36-9a51-1f0a2b3c4d5e";
let caseId = "";
let unsubscribe = "";

beforeAll(async () => {
  t = await createTestDatabase();
  borrower = await signedInBorrower(t.db);
  for (const role of ROLES) staffUsers.set(role, (await enrolledStaff(t.db, role)).user);
  // A real case for the case page's actions (a hardship report, so every intent has something to act on).
  const report = await t.db
    .insertInto("hardship_reports")
    .values({
      borrower_id: borrower.borrower.id,
      account_id: borrower.account.id,
      reason: "illness",
      currency: borrower.account.currency,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  caseId = report.id;
  // A real email, so the unsubscribe URL's action is reached with a valid token too.
  const emailId = randomUUID();
  await t.db
    .insertInto("emails")
    .values({
      id: emailId,
      decision_id: 1,
      borrower_id: borrower.borrower.id,
      account_id: borrower.account.id,
      status: "sent",
    })
    .execute();
  unsubscribe = unsubscribeToken(emailId);
});

/** Fresh sessions for each route, since the sign-out actions end them. */
async function freshSessions() {
  borrower = {
    ...borrower,
    cookie: (
      await startBorrowerSession(t.db, {
        borrowerId: borrower.borrower.id,
        accountId: borrower.account.id,
        linkId: borrower.link.id,
      })
    ).split(";")[0]!,
  };
  for (const role of ROLES) staffCookies.set(role, await signedInCookie(t.db, staffUsers.get(role)!));
}
afterAll(async () => t?.destroy());

function routePath(file: string): string {
  const name = file.replace(/^.*\/routes\//, "").replace(/\.tsx?$/, "");
  const segments = name
    .split(/\.(?![^[]*\])/)
    .filter((s) => s !== "_index")
    .map((s) =>
      s
        .replace(/_$/, "")
        .replace(/^_$/, "")
        .replace(/\[(.*?)\]/g, "$1"),
    );
  return "/" + segments.filter(Boolean).join("/");
}

/** A URL cannot carry a lone surrogate: the router would have decoded its bytes to U+FFFD. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");

function paramsFor(path: string, raw: string): Record<string, string> {
  const mode = wellFormed(raw);
  const params: Record<string, string> = {};
  for (const seg of path.split("/")) {
    if (seg === "$") params["*"] = mode === "valid" ? "anything" : mode;
    else if (seg.startsWith("$")) {
      const key = seg.slice(1);
      const valid: Record<string, string> = {
        code: borrower.link.code,
        borrowerId: borrower.borrower.id,
        planId,
        caseId,
        ref: borrower.account.external_ref,
        kind: "status",
        action: "promise",
        token: unsubscribe,
      };
      params[key] = mode === "valid" ? (valid[key] ?? "x") : mode;
    }
  }
  return params;
}

function concretePath(path: string, params: Record<string, string>): string {
  return path
    .split("/")
    .map((seg) =>
      seg === "$"
        ? encodeURIComponent(params["*"] ?? "")
        : seg.startsWith("$")
          ? encodeURIComponent(params[seg.slice(1)] ?? "")
          : seg,
    )
    .join("/");
}

function buildRequest(path: string, inp: Input): Request {
  const entries: [string, string][] = [];
  if (inp.intent !== undefined) entries.push(["intent", inp.intent]);
  for (const [k, v] of Object.entries(inp.fields))
    for (const one of Array.isArray(v) ? v : [v]) entries.push([k, one]);
  const headers = new Headers();
  if (inp.who === "borrower") headers.set("Cookie", borrower.cookie);
  if (staffCookies.has(inp.who)) headers.set("Cookie", staffCookies.get(inp.who)!);
  let body: BodyInit | undefined;
  switch (inp.encoding) {
    case "urlencoded":
      body = new URLSearchParams(entries);
      headers.set("Content-Type", "application/x-www-form-urlencoded");
      break;
    case "multipart": {
      const fd = new FormData();
      for (const [k, v] of entries) fd.append(k, v);
      body = fd;
      break;
    }
    case "json":
      body = JSON.stringify(
        Object.fromEntries(entries.map(([k, v]) => [k, inp.fields[k] === undefined ? v : inp.fields[k]])),
      );
      headers.set("Content-Type", "application/json");
      break;
    case "text":
      body = entries.map(([k, v]) => `${k}=${v}`).join("\n");
      headers.set("Content-Type", "text/plain");
      break;
    case "garbled-multipart":
      body = `--zz\r\nContent-Disposition: form-data; name="intent"\r\n\r\n${inp.intent ?? ""}`;
      headers.set("Content-Type", "multipart/form-data; boundary=zz");
      break;
    case "none":
      break;
  }
  return new Request(`http://portal.test${path}`, { method: "POST", body, headers });
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of BUSINESS_TABLES) {
    const row = await sql<{
      h: string | null;
      n: string;
    }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h, count(*) as n from ${sql.table(table)} t`.execute(
      t.db,
    );
    out[table] = `${row.rows[0]!.n}:${row.rows[0]!.h}`;
  }
  return out;
}

/** A fixed seed per route (so failures replay), different across routes; FUZZ_SEED shifts them all. */
function seedFor(path: string): number {
  let h = Number(process.env.FUZZ_SEED ?? 20261123);
  for (const ch of path) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** What Remix would answer: thrown/returned Responses and data() keep their status; anything else thrown is a 500. */
async function answer(
  action: NonNullable<RouteModule["action"]>,
  request: Request,
  params: Record<string, string>,
) {
  let result: unknown;
  try {
    result = await action({ request, params, context: staffContext(t.db) });
  } catch (thrown) {
    result = thrown;
    if (!(thrown instanceof Response) && (thrown as { type?: string })?.type !== "DataWithResponseInit") {
      return { status: 500, error: thrown };
    }
  }
  if (result instanceof Response) return { status: result.status };
  const r = result as { type?: string; init?: ResponseInit | null };
  if (r && r.type === "DataWithResponseInit") return { status: r.init?.status ?? 200 };
  return { status: 200 };
}

describe("fuzzing every action", async () => {
  const entries = Object.entries(modules);
  const withAction: [string, RouteModule][] = [];
  for (const [file, load] of entries) {
    const mod = await load();
    if (typeof mod.action === "function") withAction.push([file, mod]);
  }

  it("finds the action routes", () => {
    expect(withAction.length).toBeGreaterThanOrEqual(20); // discovery works (24 action routes when written)
  });

  for (const [file, mod] of withAction) {
    const path = routePath(file);
    it(`POST ${path} never answers 5xx and a 4xx writes nothing`, async () => {
      const seen = new Map<string, number>();
      await freshSessions();
      await fc.assert(
        fc.asyncProperty(input, async (inp) => {
          const params = paramsFor(path, inp.param);
          const request = buildRequest(concretePath(path, params), inp);
          const before = await snapshot();
          const refused = formBodyRefusal({
            method: "POST",
            path: new URL(request.url).pathname,
            contentType: request.headers.get("Content-Type"),
            contentLength: null,
          });
          const outcome = refused ? { status: refused.status } : await answer(mod.action!, request, params);
          if (outcome.status >= 500) {
            const err = (outcome as { error?: unknown }).error;
            throw new Error(
              `${path} answered ${outcome.status} for ${inp.encoding}/${inp.who}: ${err instanceof Error ? err.stack : String(err)}`,
            );
          }
          if (outcome.status >= 400) expect(await snapshot()).toEqual(before);
          const key = `${inp.who}:${outcome.status}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }),
        { numRuns: 60, seed: seedFor(path) },
      );
      // Sanity: the sessions were real, so the fuzz reached past authentication somewhere.
      if (path.startsWith("/account/") && path !== "/account/sign-out")
        expect([...seen.keys()].some((k) => k.startsWith("borrower:4"))).toBe(true);
    });
  }
});
