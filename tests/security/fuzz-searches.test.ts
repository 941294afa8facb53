import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff, signedInCookie, staffContext } from "../staff/support";

/**
 * Every loader (every page and every search: staff search, audit filters,
 * queues, approvals, outbox...) fed random query strings full of SQL
 * metacharacters, LIKE wildcards, NUL bytes, huge and malformed values,
 * anonymous, as a borrower and as each staff role: never a 5xx, and a GET
 * writes no business row.
 */

type RouteModule = { loader?: (args: unknown) => Promise<unknown> };
const modules = import.meta.glob<RouteModule>("../../app/routes/*.{ts,tsx}");

const TABLES = [
  "payments",
  "instalment_plans",
  "promises_to_pay",
  "hardship_reports",
  "complaints",
  "tasks",
  "notes",
  "contact_preferences",
  "messages",
  "accounts",
  "borrowers",
] as const;
const NASTY = [
  "'",
  "''",
  '"',
  "\\",
  "%",
  "_",
  "%_%",
  "\\%",
  "';--",
  "' OR 1=1 --",
  "1; DROP TABLE borrowers",
  "$1",
  "?",
  ":name",
  "*",
  "(",
  ")",
  "[",
  "]",
  "a\u0000b",
  "\u0000",
  "\uFFFD",
  "\uD83D\uDE00",
  "<script>alert(1)</script>",
  "-1",
  "0",
  "1e309",
  "99999999999999999999",
  "NaN",
  "2024-02-30",
  "00000000-0000-0000-0000-000000000000",
  "x".repeat(5000),
  "+852 9123 4567",
  "HK-0001",
  "zh-HK",
];
const PARAMS = [
  "q",
  "page",
  "n",
  "next",
  "done",
  "payment",
  "saved",
  "failed",
  "revoked",
  "cancelled",
  "from",
  "to",
  "action",
  "actorType",
  "subjectType",
  "borrower",
  "borrowerId",
  "staffUserId",
  "token",
  "done",
  "revoked",
  "queue",
  "status",
  "sort",
  "stage",
  "variant",
  "locale",
  "lng",
  "returnTo",
];
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
);
const input = fc.record({
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 8 })), value), {
    maxLength: 6,
  }),
  who: fc.constantFrom("anon", "borrower", "agent", "approver", "supervisor", "admin"),
});

const ROLES = ["agent", "approver", "supervisor", "admin"] as const;
let t: TestDatabase;
let borrower: Awaited<ReturnType<typeof signedInBorrower>>;
const cookies = new Map<string, string>();

beforeAll(async () => {
  t = await createTestDatabase();
  borrower = await signedInBorrower(t.db);
  for (const role of ROLES)
    cookies.set(role, await signedInCookie(t.db, (await enrolledStaff(t.db, role)).user));
});
afterAll(async () => t?.destroy());

function routePath(file: string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const valid: Record<string, string> = {
    code: "",
    borrowerId: "",
    planId: "7d0c5f5e-3b1a-4c36-9a51-1f0a2b3c4d5e",
    ref: "",
    kind: "status",
    action: "promise",
  };
  const segments = file
    .replace(/^.*\/routes\//, "")
    .replace(/\.tsx?$/, "")
    .split(/\.(?![^[]*\])/)
    .filter((s) => s !== "_index")
    .map((s) => s.replace(/_$/, "").replace(/\[(.*?)\]/g, "$1"))
    .filter(Boolean)
    .map((s) => {
      if (s === "$") return (params["*"] = "anything");
      if (!s.startsWith("$")) return s;
      const key = s.slice(1);
      valid.code = borrower.link.code;
      valid.borrowerId = borrower.borrower.id;
      valid.ref = borrower.account.external_ref;
      return (params[key] = valid[key] ?? "x");
    });
  return { path: "/" + segments.join("/"), params };
}

async function snapshot() {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const row = await sql<{
      h: string;
    }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(
      t.db,
    );
    out[table] = row.rows[0]!.h;
  }
  return out;
}

async function status(
  loader: NonNullable<RouteModule["loader"]>,
  request: Request,
  params: Record<string, string>,
): Promise<number | Error> {
  try {
    const result = await loader({ request, params, context: staffContext(t.db) });
    if (result instanceof Response) return result.status;
    const r = result as { type?: string; init?: ResponseInit | null };
    return r && r.type === "DataWithResponseInit" ? (r.init?.status ?? 200) : 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    if ((thrown as { type?: string })?.type === "DataWithResponseInit")
      return (thrown as { init?: ResponseInit }).init?.status ?? 200;
    return thrown instanceof Error ? thrown : new Error(String(thrown));
  }
}

describe("fuzzing every loader's query string", async () => {
  const withLoader: [string, RouteModule][] = [];
  for (const [file, load] of Object.entries(modules)) {
    const mod = await load();
    if (typeof mod.loader === "function") withLoader.push([file, mod]);
  }

  it("finds the pages", () => expect(withLoader.length).toBeGreaterThanOrEqual(30));

  for (const [file, mod] of withLoader) {
    it(`GET ${file.replace(/^.*\/routes\//, "")} never answers 5xx and writes no business row`, async () => {
      const { path, params } = routePath(file);
      // Sessions are fresh per route: a sign-out page may end them.
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
      let seed = 20261123;
      for (const ch of file) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
      await fc.assert(
        fc.asyncProperty(input, async ({ query, who }) => {
          const url = new URL(`http://portal.test${path}`);
          for (const [k, v] of query) url.searchParams.append(k, v);
          const headers = new Headers();
          if (who === "borrower") headers.set("Cookie", borrower.cookie);
          else if (cookies.has(who)) headers.set("Cookie", cookies.get(who)!);
          const before = await snapshot();
          const outcome = await status(mod.loader!, new Request(url, { headers }), params);
          if (outcome instanceof Error || outcome >= 500) {
            throw new Error(
              `${path}?${url.searchParams} as ${who}: ${outcome instanceof Error ? outcome.stack : outcome}`,
            );
          }
          expect(await snapshot()).toEqual(before);
        }),
        { numRuns: 25, seed },
      );
    });
  }
});
