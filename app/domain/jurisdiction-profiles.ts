/**
 * The jurisdiction profiles Settle ships (docs/product-rules.md §4.6): data, each naming the rules it
 * encodes, copied into the default contact policy. A profile can only tighten the policy.
 */
export const SHIPPED_JURISDICTION_PROFILES = {
  HK: {
    basis: [
      "HKMA Code of Banking Practice s.43: no persistent calls, no contact at unreasonable hours, never pester referees or family",
      "OFCA: SMS from a registered # sender ID; two-way keywords need a separate number",
    ],
    // s.43 names no hours; the policy's 09:00-20:00 is already the stricter reading.
    smsOptOutNotice: false,
    contactDebtorOnly: true,
    registeredSenderId: true,
  },
  CN: {
    basis: [
      "NIFA collection guideline: no collection 22:00-08:00, at most 3 connected calls a day, contact the debtor only",
      "PIPL Art. 28: financial account data is sensitive",
    ],
    contactWindow: { start: "08:00", end: "22:00" },
    caps: { callsPerDay: 3, connectedCallsPerDay: 3 },
    smsOptOutNotice: false,
    contactDebtorOnly: true,
    registeredSenderId: false,
  },
  US: {
    basis: [
      "Reg F 1006.6(b)(1)(i): no contact before 08:00 or after 21:00 local",
      "Reg F 1006.14(b)(2): calls presumed harassing above 7 in 7 days or within 7 days of a conversation",
      "Reg F 1006.6(e): every electronic communication carries a simple opt-out",
    ],
    contactWindow: { start: "08:00", end: "21:00" },
    caps: { callsPer7Days: 7 },
    smsOptOutNotice: true,
    contactDebtorOnly: false,
    registeredSenderId: false,
    callCooldownAfterConversationDays: 7,
  },
  UK: {
    basis: [
      "FCA CONC 7: no pressure, no contact at unreasonable times",
      "Debt Respite Scheme (Breathing Space): 60-day moratorium, at most once per 12 months",
    ],
    smsOptOutNotice: false,
    contactDebtorOnly: false,
    registeredSenderId: false,
    breathingSpace: { moratoriumDays: 60, maxPerMonths: 12 },
  },

  // The policy's 09:00-20:00 already lies inside the hours these sources allow, so SG and MO carry no
  // window of their own; TW's 07:00-22:00 binds only if a supervisor widens the policy's window.
  SG: {
    basis: [
      "ABS Code of Consumer Banking Practice: fair debt collection; no harassment, no contact at unreasonable hours",
      "PDPA 2012: a debt is disclosed to the borrower only",
      "IMDA SMS Sender ID Registry: texts under an alphanumeric sender ID only from a registered ID",
    ],
    smsOptOutNotice: false,
    contactDebtorOnly: true,
    registeredSenderId: true,
  },
  MO: {
    basis: [
      "Personal Data Protection Act (Law 8/2005): a debt is disclosed to the borrower only",
      "AMCM guidance on fair treatment of customers: no harassment, no contact at unreasonable hours",
    ],
    smsOptOutNotice: false,
    contactDebtorOnly: true,
    registeredSenderId: false,
  },
  TW: {
    basis: [
      "FSC rules for banks' outsourced collection (金融機構辦理應收債權催收作業委外處理要點): contact only 07:00-22:00, never disclose the debt to a third party",
      "Personal Data Protection Act (個人資料保護法)",
    ],
    contactWindow: { start: "07:00", end: "22:00" },
    smsOptOutNotice: false,
    contactDebtorOnly: true,
    registeredSenderId: false,
  },
};

/** Jurisdictions added after contact policies were first stored: a stored policy without them gets these. */
const ADDED_LATER = ["SG", "MO", "TW"] as const;

/**
 * A stored policy saved before SG, MO and TW existed still parses: the shipped profiles fill the gap, and
 * the next save stores them. Any other missing or unknown jurisdiction is still an error.
 */
export function withAddedJurisdictions(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const filled: Record<string, unknown> = { ...value };
  for (const code of ADDED_LATER) filled[code] ??= SHIPPED_JURISDICTION_PROFILES[code];
  return filled;
}
