import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "../../db/schema";
import { STAFF_ROLES, STAFF_ROUTE_ACCESS, DEFAULT_INTENT, type RouteAccess } from "../../app/staff/permissions";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext, type RouteOutcome } from "./support";

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
const cookies = new Map<StaffRole, () => Promise<string>>();

beforeAll(async () => {
  t = await createTestDatabase();
  const borrower = await insertBorrower(t.db);
  borrowerId = borrower.id;
  accountId = (await insertAccount(t.db, { borrower_id: borrower.id })).id;
  for (const role of STAFF_ROLES) {
    const { user } = await enrolledStaff(t.db, role);
    cookies.set(role, () => signedInCookie(t.db, user));
  }
});
afterAll(async () => {
  await t.destroy();
});

/** A valid request body per route and intent; fresh rows where the action consumes them. */
const SAMPLE_FORMS: Record<string, Record<string, () => Promise<Record<string, string>>>> = {
  "staff.borrowers.$borrowerId": {
    add_note: async () => ({ intent: "add_note", body: "Called, left a message." }),
    log_call: async () => ({ intent: "log_call", accountId, outcome: "no_answer" }),
    resolve_task: async () => {
      const task = await t.db.insertInto("tasks").values({ kind: "call", borrower_id: borrowerId, account_id: accountId }).returning("id").executeTakeFirstOrThrow();
      return { intent: "resolve_task", taskId: task.id, outcome: "done" };
    },
    set_wrong_number: async () => ({ intent: "set_wrong_number", accountId }),
    clear_wrong_number: async () => ({ intent: "clear_wrong_number", accountId }),
    set_dispute: async () => ({ intent: "set_dispute", accountId }),
    clear_dispute: async () => ({ intent: "clear_dispute", accountId }),
  },
  "staff.users": {
    revoke_sessions: async () => ({ intent: "revoke_sessions", staffUserId: (await insertStaffUser(t.db, { role: "agent" })).id }),
  },
  "staff.sign-out": { [DEFAULT_INTENT]: async () => ({}) },
};

function pathFor(key: string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const segments = key
    .split(".")
    .filter((s) => s !== "_index")
    .map((s) => s.replace(/_$/, ""))
    .map((s) => {
      if (!s.startsWith("$")) return s;
      const name = s.slice(1);
      if (name !== "borrowerId") throw new Error(`no test value for route parameter ${name} in ${key}`);
      params[name] = borrowerId;
      return borrowerId;
    });
  return { path: `/${segments.join("/")}`, params };
}

type Verdict = "allowed" | "forbidden" | "login" | `error ${number}`;
function verdict(o: RouteOutcome): Verdict {
  if (o.status === 403) return "forbidden";
  if (o.status >= 300 && o.status < 400 && /^\/staff\/login(\?next=[^&]*)?$/.test(o.location ?? "")) return "login";
  if (o.status < 400) return "allowed";
  return `error ${o.status}`;
}

const expected = (who: Who, roles: readonly StaffRole[]): Verdict => (who === "anonymous" ? "login" : roles.includes(who) ? "allowed" : "forbidden");

describe("staff RBAC matrix", () => {
  it("finds the staff routes, and every one has an entry in the permissions table (and vice versa)", () => {
    expect(ROUTE_FILES.length).toBeGreaterThanOrEqual(10);
    const keys = ROUTE_FILES.map(routeKey);
    for (const key of keys) expect(STAFF_ROUTE_ACCESS, `app/routes/${key} needs an entry in app/staff/permissions.ts`).toHaveProperty([key]);
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
        if (mod.loader) check(`${who} GET`, verdict(await outcome(async () => mod.loader!({ request: get(path, await cookieFor(who)), params, context }))), "allowed");
      }
    } else if (access!.kind === "pending") {
      // Without a half-finished sign-in, nobody (signed in or not) gets these pages.
      for (const who of EVERYONE) {
        const cookie = await cookieFor(who);
        if (mod.loader) check(`${who} GET`, verdict(await outcome(() => mod.loader!({ request: get(path, cookie), params, context }))), "login");
        if (mod.action) check(`${who} POST`, verdict(await outcome(() => mod.action!({ request: post(path, { code: "123456" }, cookie), params, context }))), "login");
      }
    } else {
      expect(Boolean(mod.loader), `${key}: loader exported iff the table lists loader roles`).toBe(access!.loader !== undefined);
      expect(Boolean(mod.action), `${key}: action exported iff the table lists action intents`).toBe(access!.action !== undefined);
      for (const who of EVERYONE) {
        if (mod.loader) {
          const got = verdict(await outcome(async () => mod.loader!({ request: get(path, await cookieFor(who)), params, context })));
          check(`${who} GET`, got, expected(who, access!.loader!));
        }
        for (const [intent, roles] of Object.entries(access!.action ?? {})) {
          const sample = SAMPLE_FORMS[key]?.[intent];
          expect(sample, `add a sample request for ${key} intent ${intent} to tests/staff/rbac.test.ts`).toBeDefined();
          const form = await sample!();
          const got = verdict(await outcome(async () => mod.action!({ request: post(path, form, await cookieFor(who)), params, context })));
          check(`${who} POST ${intent}`, got, expected(who, roles));
        }
      }
    }
    expect(results).toEqual([]);
  });

  it("a role that may not act is refused before its input is even validated", async () => {
    const mod = await import("../../app/routes/staff.borrowers.$borrowerId");
    const approver = await cookies.get("approver")!();
    const count = async () => (await t.db.selectFrom("call_attempts").select("id").where("borrower_id", "=", borrowerId).execute()).length;
    const before = await count();
    const o = await outcome(() =>
      mod.action({ request: post(`/staff/borrowers/${borrowerId}`, { intent: "log_call", outcome: "nonsense" }, approver), params: { borrowerId }, context: staffContext(t.db) }),
    );
    expect(o.status).toBe(403);
    expect(await count()).toBe(before);
  });
});
