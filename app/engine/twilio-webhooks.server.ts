import { z } from "zod";
import type { Kysely } from "kysely";
import type { Database, MessageStatus } from "../../db/schema";
import { handleInboundSms } from "./inbound.server";
import { BodyTooLarge, readCappedText } from "../platform/request-body.server";
import { countSms } from "../platform/metrics.server";

/** Twilio's callbacks are a few hundred bytes; an inbound reply carries at most 1,600 characters. */
const MAX_CALLBACK_BYTES = 64 * 1024;

/**
 * Twilio calls back with form posts signed by X-Twilio-Signature (HMAC-SHA1
 * over the public URL and the sorted parameters). Nothing is read or written
 * before the signature checks out.
 */
export async function readSignedTwilioForm(request: Request, authToken: string, publicUrl: string) {
  let raw: string;
  try {
    raw = await readCappedText(request, MAX_CALLBACK_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLarge) return { ok: false as const, status: 413 };
    throw error;
  }
  const params = Object.fromEntries(new URLSearchParams(raw));
  const signature = request.headers.get("x-twilio-signature") ?? "";
  if (!signature) return { ok: false as const, status: 403 };
  // Loaded on the first callback: only deployments that use Twilio pay for the SDK's memory.
  const { default: twilio } = await import("twilio");
  if (!twilio.validateRequest(authToken, signature, publicUrl, params))
    return { ok: false as const, status: 403 };
  return { ok: true as const, params };
}

const SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

export const statusCallbackSchema = z.object({
  MessageSid: z.string().regex(SID),
  MessageStatus: z.enum([
    "accepted",
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "canceled",
  ]),
  ErrorCode: z.string().max(10).optional(),
});

export const inboundSchema = z.object({
  MessageSid: z.string().regex(SID),
  From: z.string().regex(/^\+[1-9]\d{6,14}$/),
  Body: z.string().max(1600),
});

const RANK: Partial<Record<MessageStatus, number>> = {
  sending: 1,
  sent: 2,
  undelivered: 3,
  failed: 3,
  delivered: 4,
};

function ourStatus(s: z.infer<typeof statusCallbackSchema>["MessageStatus"]): MessageStatus | null {
  if (s === "sent" || s === "delivered" || s === "undelivered" || s === "failed") return s;
  if (s === "read") return "delivered";
  if (s === "canceled") return "cancelled";
  return null; // accepted/queued/sending: nothing new
}

/** Applies a delivery receipt; a status never moves backwards (callbacks arrive out of order). */
export async function applyStatusCallback(
  db: Kysely<Database>,
  cb: z.infer<typeof statusCallbackSchema>,
  now = new Date(),
) {
  const status = ourStatus(cb.MessageStatus);
  if (!status) return { applied: false };
  const outcome = await db.transaction().execute(async (trx) => {
    const msg = await trx
      .selectFrom("messages")
      .select(["id", "status"])
      .where("provider", "=", "twilio")
      .where("provider_message_id", "=", cb.MessageSid)
      .forUpdate()
      .executeTakeFirst();
    if (!msg) return { applied: false };
    const event = await trx
      .insertInto("message_status_events")
      .values({
        message_id: msg.id,
        status,
        occurred_at: now,
        provider_event_id: `${cb.MessageSid}:${cb.MessageStatus}`,
        detail: JSON.stringify({ errorCode: cb.ErrorCode ?? null }),
      })
      .onConflict((oc) => oc.column("provider_event_id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!event) return { applied: false };
    if ((RANK[status] ?? 0) > (RANK[msg.status] ?? 0)) {
      await trx.updateTable("messages").set({ status }).where("id", "=", msg.id).execute();
    }
    return { applied: true };
  });
  if (outcome.applied) countSms("twilio", "receipt", [status]);
  return outcome;
}

/**
 * The webhook's answer: empty, or the reply to a number no borrower holds (Twilio sends a <Message> in
 * the response as a text back to the sender, so nothing is stored about a stranger).
 */
export async function twimlReply(text: string | null): Promise<string> {
  const { default: twilio } = await import("twilio");
  const response = new twilio.twiml.MessagingResponse();
  if (text) response.message(text);
  return response.toString();
}

export async function applyInbound(db: Kysely<Database>, inbound: z.infer<typeof inboundSchema>) {
  return handleInboundSms(db, {
    from: inbound.From,
    body: inbound.Body,
    provider: "twilio",
    providerMessageId: inbound.MessageSid,
  });
}
