import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, MessageStatus } from "../../db/schema";
import { ProviderError, type SmsProvider } from "../integrations/sms/provider";
import { decideForAccount } from "./planner.server";

export type DispatchOutcome =
  | { status: "sent" | "delivered"; providerMessageId: string }
  | { status: "cancelled"; reason: string }
  | { status: "rescheduled"; until: Date; reason: string }
  | { status: "failed"; reason: string }
  | { status: "skipped"; reason: "not_queued" };

const KEYWORD_REPLIES = new Set(["confirmation.opted_out", "confirmation.opted_in", "confirmation.help"]);
// Deferrals that only move the send (the message is still wanted later); any other "no" cancels it.
const RESCHEDULE = new Set(["quiet_hours", "cap_account_daily", "cap_borrower_weekly", "cap_min_gap"]);

type Trx = Transaction<Database>;

/**
 * The `sms:send` job. Re-checks the decision at send time (a payment a minute
 * ago cancels the text), then sends through the provider. Exactly once: the
 * message row is locked and must still be `queued`; the outbox records and
 * marks it in one transaction; a real provider is called only after `sending`
 * is committed, and a message found in `sending` after a crash is never sent
 * again (a duplicate collection text is worse than a late one: it is parked as failed/in doubt).
 */
export async function dispatchSms(db: Kysely<Database>, provider: SmsProvider, messageId: string, now = new Date()): Promise<DispatchOutcome> {
  const claimed = await db.transaction().execute(async (trx) => {
    const msg = await trx
      .selectFrom("messages")
      .select(["id", "status", "account_id", "borrower_id", "template_key", "to_address", "body"])
      .where("id", "=", messageId)
      .forUpdate()
      .executeTakeFirst();
    if (!msg) return { done: { status: "skipped", reason: "not_queued" } as DispatchOutcome };
    if (msg.status === "sending") {
      await transition(trx, messageId, "failed", now, { reason: "in_doubt_after_interrupted_send" });
      return { done: { status: "failed", reason: "in_doubt_after_interrupted_send" } as DispatchOutcome };
    }
    if (msg.status !== "queued") return { done: { status: "skipped", reason: "not_queued" } as DispatchOutcome };

    const veto = await sendTimeCheck(db, trx, msg, now);
    if (veto) return { done: veto };

    if (provider.name === "outbox") {
      const accepted = await provider.send({ messageId, to: msg.to_address, body: msg.body });
      await markAccepted(trx, messageId, accepted.providerMessageId, accepted.status, now);
      return { done: { status: accepted.status, providerMessageId: accepted.providerMessageId } as DispatchOutcome };
    }
    await transition(trx, messageId, "sending", now, {});
    return { send: msg };
  });
  if ("done" in claimed) return claimed.done!;

  const msg = claimed.send!;
  try {
    const accepted = await provider.send({ messageId, to: msg.to_address, body: msg.body });
    await db.transaction().execute((trx) => markAccepted(trx, messageId, accepted.providerMessageId, accepted.status, new Date()));
    return { status: accepted.status, providerMessageId: accepted.providerMessageId };
  } catch (error) {
    const kind = error instanceof ProviderError ? error.kind : "ambiguous";
    const detail = { reason: kind, error: error instanceof Error ? error.message.slice(0, 300) : String(error) };
    if (kind === "retryable") {
      await db.transaction().execute((trx) => transition(trx, messageId, "queued", new Date(), detail));
      throw error; // graphile-worker retries with exponential backoff
    }
    await db.transaction().execute((trx) => transition(trx, messageId, "failed", new Date(), detail));
    return { status: "failed", reason: kind };
  }
}

async function sendTimeCheck(
  db: Kysely<Database>,
  trx: Trx,
  msg: { id: string; account_id: string | null; borrower_id: string; template_key: string | null },
  now: Date,
): Promise<DispatchOutcome | null> {
  const key = msg.template_key ?? "";
  if (KEYWORD_REPLIES.has(key)) return null;
  if (!key.startsWith("reminder.") || !msg.account_id) {
    const prefs = await trx
      .selectFrom("contact_preferences")
      .select(["sms_allowed", "sms_opted_out_at"])
      .where("borrower_id", "=", msg.borrower_id)
      .executeTakeFirst();
    if (prefs && (prefs.sms_opted_out_at || !prefs.sms_allowed)) {
      await transition(trx, msg.id, "cancelled", now, { reason: "sms_opted_out" });
      return { status: "cancelled", reason: "sms_opted_out" };
    }
    return null;
  }
  const decided = await decideForAccount(db, msg.account_id, now, { excludeMessageId: msg.id });
  if (!decided) return null;
  const { decision } = decided;
  if (decision.action === "send") return null;
  if (decision.action === "defer" && RESCHEDULE.has(decision.reason)) {
    await trx.updateTable("messages").set({ scheduled_for: decision.until }).where("id", "=", msg.id).execute();
    await sql`select graphile_worker.add_job('sms:send', json_build_object('messageId', ${msg.id}::text),
      run_at := ${decision.until}::timestamptz, max_attempts := 8, job_key := ${`sms:${msg.id}:${decision.until.toISOString()}`}::text)`.execute(trx);
    await appendStatusEvent(trx, msg.id, "queued", now, { rescheduledTo: decision.until.toISOString(), reason: decision.reason });
    return { status: "rescheduled", until: decision.until, reason: decision.reason };
  }
  await transition(trx, msg.id, "cancelled", now, { reason: decision.reason });
  return { status: "cancelled", reason: decision.reason };
}

async function markAccepted(trx: Trx, messageId: string, providerMessageId: string, status: "sent" | "delivered", now: Date) {
  await trx
    .updateTable("messages")
    .set({ status, provider_message_id: providerMessageId, sent_at: now })
    .where("id", "=", messageId)
    .execute();
  await appendStatusEvent(trx, messageId, "sent", now, { providerMessageId });
  if (status === "delivered") await appendStatusEvent(trx, messageId, "delivered", now, {});
}

async function transition(trx: Trx, messageId: string, status: MessageStatus, now: Date, detail: Record<string, unknown>) {
  await trx.updateTable("messages").set({ status }).where("id", "=", messageId).execute();
  await appendStatusEvent(trx, messageId, status, now, detail);
}

async function appendStatusEvent(trx: Trx, messageId: string, status: MessageStatus, now: Date, detail: Record<string, unknown>) {
  await trx.insertInto("message_status_events").values({ message_id: messageId, status, occurred_at: now, detail: JSON.stringify(detail) }).execute();
}
