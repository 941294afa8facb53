import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "../../db/schema";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { borrowerWithLink } from "../support/links";
import { insertMessage } from "../support/builders";

/**
 * Calling the borrower action routes the way Remix does: a real Request with
 * the session cookie and a url-encoded form, the app's load context, and the
 * loader/action's return value unwrapped (redirect Response or data()).
 */

type Db = Kysely<Database>;
export type Fields = Record<string, string | string[]>;

export async function signedInBorrower(db: Db, opts: Parameters<typeof borrowerWithLink>[1] = {}) {
  const found = await borrowerWithLink(db, opts);
  const setCookie = await startBorrowerSession(db, {
    borrowerId: found.borrower.id,
    accountId: found.account.id,
    linkId: found.link.id,
  });
  const session = {
    id: "test",
    borrowerId: found.borrower.id,
    accountId: found.account.id,
    linkId: found.link.id,
  };
  return { ...found, cookie: setCookie.split(";")[0]!, session };
}

function context(db: Db) {
  return { db, cspNonce: "x", publicBaseUrl: "http://portal.test" };
}

export function formRequest(path: string, cookie: string | null, fields: Fields): Request {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  return new Request(`http://portal.test${path}`, { method: "POST", body, headers });
}

export function getRequest(path: string, cookie: string | null): Request {
  return new Request(`http://portal.test${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}

export interface Outcome {
  status: number;
  location: string | null;
  headers: Headers;
  data: any;
}

/** Runs a loader or action; thrown Responses (redirects, 404s) are outcomes too. */
export async function run(
  fn: (args: any) => unknown,
  request: Request,
  db: Db,
  params: Record<string, string> = {},
): Promise<Outcome> {
  let result: unknown;
  try {
    result = await fn({ request, params, context: context(db) });
  } catch (thrown) {
    result = thrown;
  }
  if (result instanceof Response) {
    return {
      status: result.status,
      location: result.headers.get("Location"),
      headers: result.headers,
      data: null,
    };
  }
  const r = result as { type?: string; data?: unknown; init?: ResponseInit | null };
  if (r && r.type === "DataWithResponseInit") {
    return {
      status: r.init?.status ?? 200,
      location: null,
      headers: new Headers(r.init?.headers),
      data: r.data,
    };
  }
  if (result instanceof Error) throw result;
  return { status: 200, location: null, headers: new Headers(), data: result };
}

/** conform's reply: the field errors (translation keys) by field name. */
export function fieldErrors(outcome: Outcome): Record<string, string[]> {
  return (outcome.data?.result?.error ?? {}) as Record<string, string[]>;
}

/** Every row any action could write for this borrower, to prove bad input wrote nothing. */
export async function footprint(db: Db, borrowerId: string) {
  const count = async (
    table:
      | "promises_to_pay"
      | "hardship_reports"
      | "complaints"
      | "tasks"
      | "audit_events"
      | "bank_events"
      | "messages",
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("borrower_id", "=", borrowerId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const prefs = await db
    .selectFrom("contact_preferences")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  const account = await db
    .selectFrom("accounts")
    .select(["dispute_at", "updated_at"])
    .where("borrower_id", "=", borrowerId)
    .execute();
  return {
    promises: await count("promises_to_pay"),
    hardship: await count("hardship_reports"),
    complaints: await count("complaints"),
    tasks: await count("tasks"),
    audit: await count("audit_events"),
    bankEvents: await count("bank_events"),
    messages: await count("messages"),
    prefs: prefs ?? null,
    accounts: account,
  };
}

export async function expectNothingWritten(
  db: Db,
  borrowerId: string,
  before: Awaited<ReturnType<typeof footprint>>,
) {
  expect(await footprint(db, borrowerId)).toEqual(before);
}

export async function bankEvents(db: Db, borrowerId: string) {
  return db
    .selectFrom("bank_events")
    .select(["type", "account_id", "payload"])
    .where("borrower_id", "=", borrowerId)
    .orderBy("created_at")
    .execute();
}

export async function auditActions(db: Db, borrowerId: string) {
  return (
    await db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrowerId)
      .orderBy("id")
      .execute()
  ).map((a) => a.action);
}

export async function queuedTexts(db: Db, borrowerId: string) {
  return db
    .selectFrom("messages")
    .select(["template_key", "status", "body", "locale", "account_id"])
    .where("borrower_id", "=", borrowerId)
    .where("template_key", "like", "confirmation.%")
    .orderBy("created_at")
    .execute();
}

/** A reminder waiting in the queue, which an action that pauses reminders must cancel. */
export async function queuedReminder(db: Db, account: { id: string; borrower_id: string }) {
  return insertMessage(db, account as any, {
    template_key: "reminder.early.A",
    stage: "early",
    status: "queued",
  });
}

export async function optOut(db: Db, borrowerId: string) {
  await db
    .insertInto("contact_preferences")
    .values({ borrower_id: borrowerId, sms_allowed: false, sms_opted_out_at: new Date() })
    .execute();
}

export const TEN_KB = "x".repeat(10 * 1024);
