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

/** Upper-cased, NFKC-folded text with edge noise removed; exported for logging what was matched. */
export function normalizeInboundSms(body: string): string {
  return body.normalize("NFKC").replace(EDGE_NOISE, "").toUpperCase();
}

export function classifyInboundSms(body: string): InboundSmsClassification {
  const normalized = normalizeInboundSms(body);
  const kind = KEYWORD_KIND.get(normalized);
  if (kind) return { kind, keyword: normalized };
  return OPT_OUT_MENTION.test(normalized) ? { kind: "other", possibleOptOut: true } : { kind: "other" };
}
