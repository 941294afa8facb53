/**
 * Inbound SMS keywords (docs/product-rules.md §4.9; CTIA: STOP and HELP are answered even when
 * the sender is not subscribed, with one confirmation).
 *
 * A keyword counts only when it is the whole message, after normalising case,
 * full-width forms (NFKC), surrounding whitespace, punctuation and emoji — the
 * carrier convention (CTIA, Twilio and most aggregators match the whole body).
 * Matching inside longer text would opt people in or out by accident ("don't
 * START again", "I'll pay at the END of the month"). A longer message that
 * mentions an opt-out word is still `other` but carries `possibleOptOut`, so a
 * person reads it: under the FCC's 2024 revocation rule "stop texting me" is a
 * valid revocation even though it is not a bare keyword.
 */
export type InboundSmsKind = "opt_out" | "opt_in" | "help" | "other";

export interface InboundSmsClassification {
  kind: InboundSmsKind;
  /** The canonical keyword matched (e.g. "STOP", "退訂"); absent for `other`. */
  keyword?: string;
  /** Only on `other`: the text contains an opt-out word and needs a human decision. */
  possibleOptOut?: true;
  /** Only on `other`: the text reads like a complaint (harassment, a regulator, a lawyer) and needs a person. */
  possibleComplaint?: true;
}

const OPT_OUT_KEYWORDS = [
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "T",
  "TD",
  "R",
  "退訂",
  "退订",
];
const OPT_IN_KEYWORDS = ["START", "UNSTOP"];
const HELP_KEYWORDS = ["HELP"];

const KEYWORD_KIND = new Map<string, InboundSmsKind>([
  ...OPT_OUT_KEYWORDS.map((k) => [k, "opt_out"] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, "opt_in"] as const),
  ...HELP_KEYWORDS.map((k) => [k, "help"] as const),
]);

// Whitespace, punctuation (incl. 。！？), symbols and emoji with their variation selectors and
// keycap marks, plus invisible format characters (ZWSP, BOM).
const EDGE_NOISE = /^[\s\p{P}\p{S}\p{M}\p{Cf}\p{Cc}]+|[\s\p{P}\p{S}\p{M}\p{Cf}\p{Cc}]+$/gu;

// Single letters (T, R) and TD are left out on purpose: far too common inside ordinary words.
const OPT_OUT_MENTION =
  /\b(?:STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|OPT[\s-]?OUT|REVOKE)\b|退訂|退订|取消|停止/u;

// Words a complaint is made with, in the three languages we text in. A person reads what matches; a
// false alarm costs a minute of an agent's time, a missed complaint a regulator's letter.
const COMPLAINT_MENTION =
  /\b(?:COMPLAIN(?:T|TS|ING)?|HARASS(?:ED|ING|MENT)?|OMBUDSMAN|REGULATOR|LAWYER|SOLICITOR|ATTORNEY|HKMA|CFPB|FCA|SUE)\b|投訴|投诉|騷擾|骚扰|律師|律师|金管局|監管|监管/u;

/** Upper-cased, NFKC-folded text with edge noise removed; exported for logging what was matched. */
export function normalizeInboundSms(body: string): string {
  return body.normalize("NFKC").replace(EDGE_NOISE, "").toUpperCase();
}

export function classifyInboundSms(body: string): InboundSmsClassification {
  const normalized = normalizeInboundSms(body);
  const kind = KEYWORD_KIND.get(normalized);
  if (kind) return { kind, keyword: normalized };
  return {
    kind: "other",
    ...(OPT_OUT_MENTION.test(normalized) && { possibleOptOut: true as const }),
    ...(COMPLAINT_MENTION.test(normalized) && { possibleComplaint: true as const }),
  };
}

/**
 * The language to answer a number we do not know in: the one its keyword was written in (退訂 is
 * Traditional Chinese, 退订 Simplified), else English.
 */
export function keywordReplyLocale(keyword: string | undefined): "en" | "zh-HK" | "zh-CN" {
  if (keyword === "退訂") return "zh-HK";
  if (keyword === "退订") return "zh-CN";
  return "en";
}
