import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import {
  API_SCOPES,
  createApiKey,
  revokeApiKey,
  type ApiScope,
  type CreatedApiKey,
} from "../api/api-keys.server";
import { bankIntegrationConfig } from "../bank/config.server";
import { appendAudit } from "../platform/audit.server";
import { redeliverBankEvent } from "../bank/webhook-delivery.server";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

/**
 * The bank-integration pages for admins (docs/product-rules.md §9): outbound webhook
 * deliveries with a re-delivery button, and API keys (list, create once-shown,
 * revoke) through the same functions as `apikey:create` / `apikey:revoke`.
 */
type Display = { locale: string; timeZone: string };
const EVENTS_LIMIT = 50;

type DeliveryState = "delivered" | "retrying" | "failed" | "not_attempted";

export interface BankEventRow {
  id: string;
  type: string;
  accountRef: string | null;
  created: string;
  state: DeliveryState;
  attempts: Array<{
    attempt: number;
    when: string;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    nextAttempt: string | null;
  }>;
}

/** Where deliveries go (origin only: a URL may carry a token), or null when none is configured. */
export function webhookEndpointOrigin(): string | null {
  const url = bankIntegrationConfig().webhookUrl;
  return url ? new URL(url).origin : null;
}

export async function listBankEvents(
  db: Kysely<Database>,
  opts: Display & { failedOnly?: boolean },
): Promise<BankEventRow[]> {
  const when = (d: Date) => formatStaffDateTime(d, opts.locale, opts.timeZone);
  const { rows } = await sql<{
    id: string;
    type: string;
    created_at: Date;
    account_ref: string | null;
    last_ok: boolean | null;
    last_next: Date | null;
    any_ok: boolean | null;
  }>`
    select e.id, e.type, e.created_at, a.external_ref as account_ref, last.ok as last_ok, last.next_attempt_at as last_next, agg.any_ok
    from bank_events e
    left join accounts a on a.id = e.account_id
    left join lateral (
      select ok, next_attempt_at from webhook_deliveries w where w.event_id = e.id order by w.attempted_at desc, w.id desc limit 1
    ) last on true
    left join lateral (select bool_or(ok) as any_ok from webhook_deliveries w where w.event_id = e.id) agg on true
    where ${opts.failedOnly ? sql`last.ok = false and not coalesce(agg.any_ok, false)` : sql`true`}
    order by e.created_at desc, e.id desc
    limit ${EVENTS_LIMIT}
  `.execute(db);
  const ids = rows.map((r) => r.id);
  const deliveries = ids.length
    ? await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("event_id", "in", ids)
        .orderBy("attempted_at")
        .orderBy("id")
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    accountRef: r.account_ref,
    created: when(r.created_at),
    state: r.any_ok
      ? "delivered"
      : r.last_ok === null
        ? "not_attempted"
        : r.last_next
          ? "retrying"
          : "failed",
    attempts: deliveries
      .filter((w) => w.event_id === r.id)
      .map((w) => ({
        attempt: w.attempt,
        when: when(w.attempted_at),
        ok: w.ok,
        statusCode: w.status_code,
        error: w.error,
        nextAttempt: w.next_attempt_at ? when(w.next_attempt_at) : null,
      })),
  }));
}

/** Queues the event again and records who asked, in one transaction. */
export async function redeliverFromConsole(
  db: Kysely<Database>,
  opts: { staff: Pick<StaffIdentity, "id">; eventId: string },
): Promise<"queued" | "not_found"> {
  return db.transaction().execute(async (trx) => {
    const queued = await redeliverBankEvent(trx, opts.eventId);
    if (!queued) return "not_found";
    const event = await trx
      .selectFrom("bank_events")
      .select(["type", "borrower_id"])
      .where("id", "=", opts.eventId)
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actorType: "staff",
      actorId: opts.staff.id,
      action: "bank_event.redelivery_requested",
      subjectType: "bank_event",
      subjectId: opts.eventId,
      borrowerId: event.borrower_id,
      detail: { type: event.type, jobKey: queued.jobKey },
    });
    return "queued";
  });
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created: string;
  createdBy: string | null;
  expires: string | null;
  lastUsed: string | null;
  state: "live" | "revoked" | "expired";
  revoked: string | null;
}

export async function listApiKeys(
  db: Kysely<Database>,
  opts: Display & { now?: Date },
): Promise<ApiKeyRow[]> {
  const now = opts.now ?? new Date();
  const when = (d: Date) => formatStaffDateTime(d, opts.locale, opts.timeZone);
  const rows = await db
    .selectFrom("api_keys as k")
    .leftJoin("staff_users as s", "s.id", "k.created_by_staff_id")
    .select([
      "k.id",
      "k.name",
      "k.prefix",
      "k.scopes",
      "k.created_at",
      "k.expires_at",
      "k.revoked_at",
      "k.last_used_at",
      "s.display_name",
    ])
    .orderBy(sql`k.revoked_at is null`, "desc")
    .orderBy("k.created_at", "desc")
    .execute();
  return rows.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created: when(k.created_at),
    createdBy: k.display_name,
    expires: k.expires_at ? when(k.expires_at) : null,
    lastUsed: k.last_used_at ? when(k.last_used_at) : null,
    state: k.revoked_at ? "revoked" : k.expires_at && k.expires_at <= now ? "expired" : "live",
    revoked: k.revoked_at ? when(k.revoked_at) : null,
  }));
}

export { API_SCOPES, type ApiScope };

/** A new key for the bank, created by an admin; the caller shows `key` once. */
export function createApiKeyFromConsole(
  db: Kysely<Database>,
  opts: {
    staff: Pick<StaffIdentity, "id">;
    name: string;
    scopes: readonly ApiScope[];
    expiresInDays?: number;
    now?: Date;
  },
): Promise<CreatedApiKey> {
  const now = opts.now ?? new Date();
  const expiresAt = opts.expiresInDays ? new Date(now.getTime() + opts.expiresInDays * 86_400_000) : null;
  return createApiKey(db, {
    name: opts.name,
    scopes: opts.scopes,
    expiresAt,
    createdByStaffId: opts.staff.id,
    hashKey: bankIntegrationConfig().apiKeyHashKey,
  });
}

export function revokeApiKeyFromConsole(
  db: Kysely<Database>,
  opts: { staff: Pick<StaffIdentity, "id">; prefix: string },
): Promise<boolean> {
  return revokeApiKey(db, opts.prefix, { staffId: opts.staff.id });
}
