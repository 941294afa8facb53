import type { Transaction } from "kysely";
import type { Database, Jurisdiction, Locale } from "../../db/schema";
import { OPT_OUT_INSTRUCTION, type SmsTemplateKey } from "../domain/sms-templates";
import { activeProfiles } from "./debtor-only-sms.server";

/** A template that, rendered in `locale`, would not tell the borrower how to opt out. */
export function lacksOptOutNotice(key: SmsTemplateKey, body: string, locale: Locale): boolean {
  // The answer to STOP confirms the opt-out: telling the borrower how to opt out again would be noise.
  return (
    key !== "confirmation.opted_out" &&
    !body.toLowerCase().includes(OPT_OUT_INSTRUCTION[locale].toLowerCase())
  );
}

/**
 * The jurisdictions whose profile requires an opt-out notice in every text (US Reg F 1006.6(e)), from the
 * active policy. Reminders always carry one (the template editor refuses them without it); a confirmation
 * a bank edited may not, and then the notice is added for those borrowers (docs/product-rules.md §4.14).
 * Reads the policy only when some text of the batch lacks its notice.
 */
export async function noticeRequiredIn(
  trx: Transaction<Database>,
  anyLacking: boolean,
): Promise<(jurisdiction: Jurisdiction | undefined) => boolean> {
  if (!anyLacking) return () => false;
  const policy = await activeProfiles(trx);
  return (jurisdiction) => Boolean(jurisdiction && policy.jurisdictions[jurisdiction].smsOptOutNotice);
}

export function withOptOutNotice(text: string, locale: Locale): string {
  return `${text} ${OPT_OUT_INSTRUCTION[locale]}`;
}
