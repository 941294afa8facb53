import { sql, type Transaction } from "kysely";
import type { Database, Jurisdiction, Locale, PhoneOwner } from "../../db/schema";
import { pgArray } from "../../db/pg-array";

export interface KnownRecipient {
  fullName: string;
  phoneE164: string;
  /** The language texts go out in: the preferred one, else the borrower's. */
  locale: Locale;
  /** Opted out of SMS, or SMS turned off in the contact preferences. */
  smsRefused: boolean;
  /** The account the text is about, if any. */
  account: { last4: string; wrongNumber: boolean } | null;
  /** Read only when not given (the planner's reminders always carry the opt-out notice it decides). */
  jurisdiction?: Jurisdiction;
  /** Whose the number is (§4.20); read with the jurisdiction, absent where the caller already decided. */
  phoneOwner?: PhoneOwner;
}

interface Addressed {
  borrowerId: string;
  accountId: string | null;
  recipient?: KnownRecipient;
}

/**
 * Each input's recipient: the one the caller read (input.recipient), else read here, one query for the
 * chunk's borrowers and one for its accounts. An unknown borrower, or an account that is not the
 * borrower's, is a programming error and aborts the caller's transaction.
 */
export async function recipientsOf(
  trx: Transaction<Database>,
  inputs: readonly Addressed[],
): Promise<KnownRecipient[]> {
  const unknown = inputs.filter((i) => !i.recipient);
  const { whoBy, accountBy } = await readRecipients(trx, unknown);
  return inputs.map((input) => {
    if (input.recipient) return input.recipient;
    const who = whoBy.get(input.borrowerId);
    if (!who) throw new Error(`borrower ${input.borrowerId} not found`);
    const account = input.accountId ? accountBy.get(input.accountId) : null;
    if (input.accountId && (!account || account.borrower_id !== input.borrowerId))
      throw new Error(`account ${input.accountId} not found for borrower`);
    return {
      fullName: who.full_name,
      phoneE164: who.phone_e164,
      locale: who.preferred_locale ?? who.locale,
      smsRefused: Boolean(who.sms_opted_out_at) || who.sms_allowed === false,
      jurisdiction: who.jurisdiction,
      phoneOwner: who.phone_owner,
      account: account ? { last4: account.last4, wrongNumber: Boolean(account.wrong_number_at) } : null,
    };
  });
}

async function readRecipients(trx: Transaction<Database>, unknown: readonly Addressed[]) {
  const borrowerIds = [...new Set(unknown.map((i) => i.borrowerId))];
  const accountIds = [...new Set(unknown.flatMap((i) => (i.accountId ? [i.accountId] : [])))];
  const [whoRows, accountRows] = await Promise.all([
    borrowerIds.length
      ? trx
          .selectFrom("borrowers")
          .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
          .select([
            "borrowers.id",
            "borrowers.full_name",
            "borrowers.phone_e164",
            "borrowers.locale",
            "borrowers.jurisdiction",
            "borrowers.phone_owner",
            "contact_preferences.preferred_locale",
            "contact_preferences.sms_allowed",
            "contact_preferences.sms_opted_out_at",
          ])
          .where("borrowers.id", "=", sql<string>`any(${pgArray(borrowerIds)}::uuid[])`)
          .execute()
      : [],
    accountIds.length
      ? trx
          .selectFrom("accounts")
          .select(["id", "borrower_id", "last4", "wrong_number_at"])
          .where("id", "=", sql<string>`any(${pgArray(accountIds)}::uuid[])`)
          .execute()
      : [],
  ]);
  return {
    whoBy: new Map(whoRows.map((w) => [w.id, w])),
    accountBy: new Map(accountRows.map((a) => [a.id, a])),
  };
}
