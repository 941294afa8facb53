import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { senderFor } from "../domain/sender-identity";
import { OPT_OUT_INSTRUCTION } from "../domain/sms-templates";
import type { OutgoingSms } from "../messaging/providers/provider";
import { config } from "../platform/config.server";
import { activeContactPolicy } from "./planner.server";

/** What the provider is given for a claimed text: its text with the link code back, and its sender. */
export function outgoing(msg: { id: string; to_address: string; text?: string; from?: string }): OutgoingSms {
  return { messageId: msg.id, to: msg.to_address, body: msg.text!, ...(msg.from ? { from: msg.from } : {}) };
}

/** What the dispatcher knows of a claimed text; `from` is set here. */
export interface SenderTarget {
  id: string;
  borrower_id: string;
  template_key: string | null;
  body: string;
  from?: string;
}

const INSTRUCTIONS = Object.values(OPT_OUT_INSTRUCTION).map((i) => i.toLowerCase());
const carriesOptOut = (text: SenderTarget) => {
  const body = text.body.toLowerCase();
  return INSTRUCTIONS.some((i) => body.includes(i));
};
// The answer to STOP confirms the opt-out; telling the borrower how to opt out again would be noise.
const exemptFromNotice = (text: SenderTarget) => text.template_key === "confirmation.opted_out";

/** A text that tells the borrower to reply (every reminder, and the keyword answers) needs a number that takes replies. */
function invitesReply(text: SenderTarget): boolean {
  const key = text.template_key ?? "";
  return key.startsWith("confirmation.opted_") || key === "confirmation.help" || carriesOptOut(text);
}

/**
 * The jurisdiction's rules at the moment of sending (docs/product-rules.md §4.14): each text's sender from
 * `SMS_SENDERS` and the borrower's profile, and the ids of texts that must not go because their profile
 * requires an opt-out notice (US Reg F 1006.6(e)) and they lack one. Reads nothing when no sender is set
 * and every text carries its notice, which is every text the shipped templates write.
 */
export async function applyJurisdictionRules(
  db: Kysely<Database>,
  texts: SenderTarget[],
): Promise<{ lackingNotice: Set<string> }> {
  const senders = config().SMS_SENDERS;
  const withSenders = Object.keys(senders).length > 0;
  const lacking = texts.filter((t) => !carriesOptOut(t) && !exemptFromNotice(t));
  const lackingNotice = new Set<string>();
  const concerned = withSenders ? texts : lacking;
  if (concerned.length === 0) return { lackingNotice };
  const [policy, borrowers] = await Promise.all([
    activeContactPolicy(db),
    db
      .selectFrom("borrowers")
      .select(["id", "jurisdiction"])
      .where("id", "in", [...new Set(concerned.map((t) => t.borrower_id))])
      .execute(),
  ]);
  const profileOf = new Map(
    borrowers.map((b) => [b.id, [b.jurisdiction, policy.jurisdictions[b.jurisdiction]] as const]),
  );
  for (const text of lacking)
    if (profileOf.get(text.borrower_id)?.[1].smsOptOutNotice) lackingNotice.add(text.id);
  if (!withSenders) return { lackingNotice };
  for (const text of texts) {
    const [jurisdiction, profile] = profileOf.get(text.borrower_id) ?? [];
    if (!jurisdiction || !profile) continue;
    text.from = senderFor(senders, jurisdiction, {
      registeredSenderId: profile.registeredSenderId,
      invitesReply: invitesReply(text),
    });
  }
  return { lackingNotice };
}
