import { SegmentedMessage } from "sms-segments-calculator";

/**
 * How many billable SMS parts a text costs (docs/product-rules.md §1.2, §8.8).
 *
 * The GSM 03.38 tables, escape characters and the rule that a surrogate pair or
 * an escaped character is never split across parts all come from Twilio's
 * `sms-segments-calculator`; this module only reshapes its answer.
 */
export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /**
   * Length in the encoding's own units, i.e. what counts against the limit:
   * GSM-7 extension characters (€ [ ] { } ~ ^ \ |) count 2, and so do UCS-2
   * characters outside the BMP (most emoji).
   */
  characters: number;
  /** Capacity of each part: 160/70 for a single part, 153/67 once a concatenation header is needed. */
  unitsPerSegment: number;
}

const BITS_PER_UNIT: Record<SmsEncoding, number> = { "GSM-7": 7, "UCS-2": 16 };
const SINGLE_PART_UNITS: Record<SmsEncoding, number> = { "GSM-7": 160, "UCS-2": 70 };
const MULTI_PART_UNITS: Record<SmsEncoding, number> = { "GSM-7": 153, "UCS-2": 67 };

export function countSegments(text: string): SegmentCount {
  // No "smart encoding": we count exactly the text we will hand to the provider.
  const message = new SegmentedMessage(text, "auto", false);
  const encoding = message.encodingName;
  const segments = message.segmentsCount;
  return {
    encoding,
    segments,
    // messageSize excludes the concatenation headers, so this is the body length in units.
    characters: message.messageSize / BITS_PER_UNIT[encoding],
    unitsPerSegment: segments > 1 ? MULTI_PART_UNITS[encoding] : SINGLE_PART_UNITS[encoding],
  };
}
