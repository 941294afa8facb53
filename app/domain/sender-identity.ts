import { z } from "zod";
import { JURISDICTIONS, type Jurisdiction } from "./contact-policy";

/**
 * Who a text comes from, per jurisdiction (docs/product-rules.md §4.14). Markets that register sender
 * IDs (HK's OFCA scheme with its "#" prefix, Singapore's IMDA registry) let a bank send from a registered
 * alphanumeric ID, but such an ID cannot receive replies: a text that asks for one (STOP, START, HELP) must
 * come from a number that can. The IDs are settings (`SMS_SENDERS`); which one a text uses is this rule.
 */
const alphanumericId = z
  .string()
  .regex(/^#?[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}$/, "an alphanumeric sender ID of at most 11 characters");
const replyableNumber = z
  .string()
  .regex(/^(\+[1-9]\d{6,14}|\d{3,8})$/, "a number that can receive replies: E.164 (+852...) or a short code");

const senderPairSchema = z
  .object({ oneWay: alphanumericId.optional(), twoWay: replyableNumber.optional() })
  .strict();

export const smsSendersSchema = z
  .record(z.enum(JURISDICTIONS), senderPairSchema)
  .superRefine((senders, ctx) => {
    const hk = senders.HK?.oneWay;
    // OFCA's Registration Scheme: registered HK sender IDs, and only they, start with "#".
    if (hk && !hk.startsWith("#"))
      ctx.addIssue({
        code: "custom",
        path: ["HK", "oneWay"],
        message: 'a registered HK sender ID starts with "#"',
      });
  });
export type SmsSenders = z.infer<typeof smsSendersSchema>;

/**
 * The sender for one text, or undefined for the provider's default (TWILIO_FROM or the messaging
 * service). A registered one-way ID only where the profile calls for one and the text asks for no reply.
 */
export function senderFor(
  senders: SmsSenders,
  jurisdiction: Jurisdiction,
  opts: { registeredSenderId: boolean; invitesReply: boolean },
): string | undefined {
  const pair = senders[jurisdiction];
  if (!pair) return undefined;
  if (!opts.invitesReply && opts.registeredSenderId && pair.oneWay) return pair.oneWay;
  return pair.twoWay;
}
