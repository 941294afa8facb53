import type { ContactInput } from "./contact-decision";
import type { ContactPolicy } from "./contact-policy";

/**
 * Debtor-only contact (docs/product-rules.md §4.20; HKMA Code of Banking Practice s.43, NIFA): where the
 * borrower's jurisdiction profile says `contactDebtorOnly`, no text and no call goes to a number not known
 * to be the borrower's own. A number marked `third_party` is someone else's; `unknown` is a number nobody
 * has vouched for (the bank marked it so, or an agent could not tell), and is treated the same, because
 * reaching a relative or referee about a debt is the harm the rule prevents. A number the bank supplies
 * without a mark is the borrower's.
 *
 * The one rule for "may this number get a text about the debt": the schedule (decideNextContact, the
 * channel decision) and every text an action asks for (queueSms: a confirmation, a link an agent texts)
 * ask it, so no path holds a second copy. Only the profiles are read, which an experiment's challenger
 * never changes (armPolicy keeps the champion's).
 */
export function notBorrowersNumber(
  borrower: Pick<ContactInput["borrower"], "jurisdiction" | "phoneOwner">,
  policy: Pick<ContactPolicy, "jurisdictions">,
): boolean {
  const owner = borrower.phoneOwner ?? "borrower";
  return owner !== "borrower" && policy.jurisdictions[borrower.jurisdiction].contactDebtorOnly;
}
