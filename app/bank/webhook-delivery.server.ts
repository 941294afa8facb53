import { randomUUID } from "node:crypto";
import type { Task } from "graphile-worker";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { bankIntegrationConfig } from "./config.server";
import { SIGNATURE_HEADER, signatureHeader } from "./webhook-signature.server";
import { logger } from "../platform/logger.server";
import { jobPayload } from "../platform/request-context.server";

export { verifyWebhookSignature } from "./webhook-signature.server";

/**
 * `bank-event:deliver`: POSTs one bank_events row to BANK_WEBHOOK_URL, signed.
 * Every attempt is recorded in webhook_deliveries. A non-2xx answer, a network
 * error or a timeout throws, so graphile-worker retries with its exponential
 * backoff (exp(min(attempts, 10)) seconds; max_attempts 12 is set at enqueue).
 * Delivery is at least once: the bank deduplicates on Settle-Event-Id.
 */
export const DELIVER_TASK = "bank-event:deliver";
const MAX_DELIVERY_ATTEMPTS = 12;

export interface WebhookTarget {
  url: string | null;
  secret: string;
  timeoutMs: number;
}

export interface DeliveryOptions {
  target?: WebhookTarget;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface AttemptInfo {
  /** graphile-worker's attempts counter for this job (1 on the first run). */
  attempts: number;
  maxAttempts: number;
}

export type DeliveryOutcome =
  | { status: "delivered"; attempt: number; statusCode: number }
  | { status: "no_endpoint" }
  | { status: "event_not_found" };

class WebhookDeliveryError extends Error {}

const payloadSchema = z.object({ eventId: z.string().uuid() });

export function createBankEventDeliveryTask(db: Kysely<Database>, opts: DeliveryOptions = {}): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      // Retrying cannot fix a malformed job.
      helpers.logger.error(`${DELIVER_TASK}: malformed payload, dropped`);
      return;
    }
    const outcome = await deliverBankEvent(
      db,
      parsed.data.eventId,
      { attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts },
      opts,
    );
    if (outcome.status === "event_not_found")
      helpers.logger.warn(`${DELIVER_TASK}: event ${parsed.data.eventId} not found`);
  };
}

function targetFromConfig(): WebhookTarget {
  const cfg = bankIntegrationConfig();
  return { url: cfg.webhookUrl, secret: cfg.webhookSecret, timeoutMs: cfg.webhookTimeoutMs };
}

/** The JSON body the bank receives; identical bytes on every attempt (only the signature's timestamp changes). */
export async function bankEventBody(
  db: Kysely<Database>,
  eventId: string,
): Promise<{ type: string; body: string } | null> {
  const event = await db
    .selectFrom("bank_events as e")
    .leftJoin("accounts as a", "a.id", "e.account_id")
    .leftJoin("borrowers as b", "b.id", "e.borrower_id")
    .select([
      "e.id",
      "e.type",
      "e.created_at",
      "e.payload",
      "a.external_ref as account_ref",
      "b.external_ref as borrower_ref",
    ])
    .where("e.id", "=", eventId)
    .executeTakeFirst();
  if (!event) return null;
  // The bank knows its accounts by its own refs, not by Settle's ids.
  const data: Record<string, unknown> = { ...event.payload };
  if (event.account_ref && data.account_ref === undefined) data.account_ref = event.account_ref;
  if (event.borrower_ref && data.borrower_ref === undefined) data.borrower_ref = event.borrower_ref;
  return {
    type: event.type,
    body: JSON.stringify({
      id: event.id,
      type: event.type,
      created_at: event.created_at.toISOString(),
      data,
    }),
  };
}

export async function deliverBankEvent(
  db: Kysely<Database>,
  eventId: string,
  attempt: AttemptInfo,
  opts: DeliveryOptions = {},
): Promise<DeliveryOutcome> {
  const target = opts.target ?? targetFromConfig();
  const now = opts.now ?? (() => new Date());
  if (!target.url) return { status: "no_endpoint" }; // nothing to deliver to; the event stays in bank_events
  const event = await bankEventBody(db, eventId);
  if (event === null) return { status: "event_not_found" };
  const { type, body } = event;

  const startedAt = now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const response = await (opts.fetch ?? fetch)(target.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(target.timeoutMs),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Settle-Webhooks/1",
        "Settle-Event-Id": eventId,
        "Settle-Event-Type": type,
        [SIGNATURE_HEADER]: signatureHeader(target.secret, body, startedAt),
      },
      body,
    });
    statusCode = response.status;
    await response.body?.cancel().catch(() => {});
    if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
  } catch (caught) {
    const e = caught as Error & { cause?: { code?: string } };
    error =
      e.name === "TimeoutError" || e.name === "AbortError"
        ? `timed out after ${target.timeoutMs} ms`
        : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ""}`;
  }

  const ok = error === null;
  const willRetry = !ok && attempt.attempts < attempt.maxAttempts;
  // graphile-worker's own schedule: run_at = now + exp(min(attempts, 10)) seconds.
  const nextAttemptAt = willRetry
    ? new Date(now().getTime() + Math.exp(Math.min(attempt.attempts, 10)) * 1000)
    : null;
  const number = await recordAttempt(db, {
    eventId,
    url: target.url,
    statusCode,
    ok,
    error,
    attemptedAt: startedAt,
    nextAttemptAt,
  });
  if (!ok) {
    logger.warn({ eventId, attempt: number, statusCode, error, willRetry }, "bank webhook delivery failed");
    throw new WebhookDeliveryError(`bank webhook delivery failed: ${error}`);
  }
  return { status: "delivered", attempt: number, statusCode: statusCode! };
}

/**
 * Attempt numbers count every try for the event at that endpoint, across jobs
 * (a re-delivery continues the count instead of restarting it).
 */
async function recordAttempt(
  db: Kysely<Database>,
  row: {
    eventId: string;
    url: string;
    statusCode: number | null;
    ok: boolean;
    error: string | null;
    attemptedAt: Date;
    nextAttemptAt: Date | null;
  },
): Promise<number> {
  for (let tries = 0; ; tries++) {
    try {
      const inserted = await sql<{ attempt: number }>`
        insert into webhook_deliveries (event_id, endpoint_url, attempt, status_code, ok, error, attempted_at, next_attempt_at)
        select ${row.eventId}::uuid, ${row.url}, coalesce(max(attempt), 0) + 1, ${row.statusCode}::int, ${row.ok}, ${row.error?.slice(0, 500) ?? null},
          ${row.attemptedAt}::timestamptz, ${row.nextAttemptAt}::timestamptz
        from webhook_deliveries where event_id = ${row.eventId}::uuid and endpoint_url = ${row.url}
        returning attempt
      `.execute(db);
      return inserted.rows[0]!.attempt;
    } catch (error) {
      // Two jobs for one event (a re-delivery racing a retry) took the same number: count again.
      if ((error as { code?: string }).code === "23505" && tries < 3) continue;
      throw error;
    }
  }
}

/**
 * Queues the event again (a fresh job, so it runs even when the original
 * exhausted its attempts). For the staff console and `webhook:redeliver`.
 */
export async function redeliverBankEvent(
  db: Kysely<Database>,
  eventId: string,
): Promise<{ jobKey: string } | null> {
  if (!z.string().uuid().safeParse(eventId).success) return null;
  const event = await db.selectFrom("bank_events").select("id").where("id", "=", eventId).executeTakeFirst();
  if (!event) return null;
  const jobKey = `bank-event:${eventId}:redeliver:${randomUUID()}`;
  await sql`select graphile_worker.add_job(${DELIVER_TASK}, ${jobPayload({ eventId })}::json, max_attempts := ${MAX_DELIVERY_ATTEMPTS}, job_key := ${jobKey}::text)`.execute(
    db,
  );
  return { jobKey };
}
