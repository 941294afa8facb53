import { createCookie, redirect } from "@remix-run/node";
import { createHash, randomBytes } from "node:crypto";
import type { Expression, Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { compiledOnce, executePrepared } from "../../db/connection";
import { config } from "../platform/config.server";

/**
 * A short session bound to one borrower and account: 15 min idle, 2 h absolute (docs/product-rules.md §2.3).
 */
export const SESSION_IDLE_MS = 15 * 60_000;
export const SESSION_ABSOLUTE_MS = 2 * 60 * 60_000;
// Writing last_seen_at on every request would turn reads into writes; a minute's slack is harmless.
const TOUCH_AFTER_MS = 60_000;

type Db = Kysely<Database> | Transaction<Database>;

let cookie: ReturnType<typeof createCookie> | undefined;
/**
 * In production the name carries the `__Host-` prefix: browsers then accept it only with Secure, Path=/
 * and no Domain, so neither a sibling subdomain nor a plain-http response can plant or overwrite it.
 * Development keeps the plain name (http://localhost sets no Secure cookie in every browser).
 */
function sessionCookie() {
  cookie ??= createCookie(config().isProduction ? "__Host-settle_session" : "settle_session", {
    httpOnly: true,
    sameSite: "lax",
    secure: config().isProduction,
    path: "/",
    secrets: [config().sessionSecret],
    maxAge: SESSION_ABSOLUTE_MS / 1000,
  });
  return cookie;
}

export interface BorrowerSession {
  id: string;
  borrowerId: string;
  accountId: string;
  linkId: string;
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Creates the session row and returns the Set-Cookie header value. */
export async function startBorrowerSession(
  db: Db,
  opts: { borrowerId: string; accountId: string; linkId: string; now?: Date },
): Promise<string> {
  const now = opts.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  await db
    .insertInto("borrower_sessions")
    .values({
      id: hashToken(token),
      borrower_id: opts.borrowerId,
      account_id: opts.accountId,
      link_id: opts.linkId,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    })
    .execute();
  return sessionCookie().serialize(token);
}

export async function readBorrowerSession(
  db: Db,
  request: Request,
  now = new Date(),
): Promise<BorrowerSession | null> {
  const tokenHash = await sessionTokenHash(request);
  if (!tokenHash) return null;
  // Prepared per connection: every verified page reads it first.
  const row = (await executePrepared(db, liveSession(db, liveSessionValues(tokenHash, now)))).rows[0];
  if (!row) return null;
  await touchSession(db, { id: row.id, lastSeenAt: row.last_seen_at }, now);
  return { id: row.id, borrowerId: row.borrower_id, accountId: row.account_id, linkId: row.link_id };
}

/** The stored form of the request's session token, or null when the request carries none. */
export async function sessionTokenHash(request: Request): Promise<string | null> {
  const token: unknown = await sessionCookie().parse(request.headers.get("Cookie"));
  return typeof token === "string" && token.length >= 20 ? hashToken(token) : null;
}

/** What decides whether a session is live: its token's hash, the clock, and the idle cut-off. */
export interface LiveSessionValues {
  tokenHash: string | Expression<string>;
  now: Date | Expression<Date>;
  idleSince: Date | Expression<Date>;
}

export function liveSessionValues(
  tokenHash: string,
  now: Date,
): { tokenHash: string; now: Date; idleSince: Date } {
  return { tokenHash, now, idleSince: new Date(now.getTime() - SESSION_IDLE_MS) };
}

/** The session row, while it is live: not revoked, within its absolute lifetime and not idle too long. */
export function liveSessionQuery(db: Db, values: LiveSessionValues) {
  return db
    .selectFrom("borrower_sessions")
    .select(["id", "borrower_id", "account_id", "link_id", "last_seen_at"])
    .where("id", "=", values.tokenHash)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", values.now)
    .where("last_seen_at", ">", values.idleSince);
}
const liveSession = compiledOnce(["tokenHash", "now", "idleSince"], liveSessionQuery);

/** Moves the idle clock on, at most once a minute. */
export async function touchSession(
  db: Db,
  session: { id: string; lastSeenAt: Date },
  now: Date,
): Promise<void> {
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await db
      .updateTable("borrower_sessions")
      .set({ last_seen_at: now })
      .where("id", "=", session.id)
      .execute();
  }
}

/** For loaders and actions behind verification: no session, no data. */
export async function requireBorrowerSession(db: Db, request: Request): Promise<BorrowerSession> {
  const session = await readBorrowerSession(db, request);
  if (!session) throw sessionEnded();
  return session;
}

/** Where a verified page sends a request without a live session. */
export function sessionEnded() {
  return redirect("/session-ended", { headers: { "Cache-Control": "no-store" } });
}

export async function endBorrowerSession(db: Db, request: Request): Promise<string> {
  const token: unknown = await sessionCookie().parse(request.headers.get("Cookie"));
  if (typeof token === "string") {
    await db
      .updateTable("borrower_sessions")
      .set({ revoked_at: new Date() })
      .where("id", "=", hashToken(token))
      .execute();
  }
  return sessionCookie().serialize("", { maxAge: 0 });
}
