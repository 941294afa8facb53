import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { DEFAULT_CONTACT_POLICY, parseContactPolicy, type ContactPolicy } from "../domain/contact-policy";
import { notBorrowersNumber } from "../domain/debtor-only";
import type { KnownRecipient } from "./sms-recipients.server";

type Profiles = Pick<ContactPolicy, "jurisdictions">;

/**
 * The jurisdiction profiles of the active policy (the built-in defaults when none is stored or it does not
 * parse). An experiment's challenger keeps the champion's profiles (armPolicy), so this is what every arm
 * applies.
 */
export async function activeProfiles(db: Kysely<Database>): Promise<Profiles> {
  const row = await db
    .selectFrom("contact_policies")
    .select("policy")
    .where("active", "=", true)
    .executeTakeFirst();
  const parsed = row ? parseContactPolicy(row.policy) : null;
  return parsed?.ok ? parsed.policy : DEFAULT_CONTACT_POLICY;
}

/**
 * Debtor-only contact for the texts an action asks for (docs/product-rules.md §4.20): which recipients'
 * numbers must not get a text about the debt, by the schedule's own rule (notBorrowersNumber). The policy
 * is read only when some number is not marked the borrower's. A recipient without a jurisdiction is one
 * the planner read and already decided with the same rule.
 */
export async function debtorOnlyRefusals(
  db: Kysely<Database>,
  recipients: readonly KnownRecipient[],
): Promise<(index: number) => boolean> {
  const marked = (who: KnownRecipient) => (who.phoneOwner ?? "borrower") !== "borrower" && who.jurisdiction;
  if (!recipients.some(marked)) return () => false;
  const profiles = await activeProfiles(db);
  return (index) => {
    const who = recipients[index]!;
    return Boolean(
      who.jurisdiction &&
      notBorrowersNumber({ jurisdiction: who.jurisdiction, phoneOwner: who.phoneOwner }, profiles),
    );
  };
}

/** Whether debtor-only forbids texting this borrower's number about the debt (the console asks before a link text). */
export async function numberRefusedForDebt(db: Kysely<Database>, borrowerId: string): Promise<boolean> {
  const who = await db
    .selectFrom("borrowers")
    .select(["jurisdiction", "phone_owner"])
    .where("id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  if (who.phone_owner === "borrower") return false;
  return notBorrowersNumber(
    { jurisdiction: who.jurisdiction, phoneOwner: who.phone_owner },
    await activeProfiles(db),
  );
}
