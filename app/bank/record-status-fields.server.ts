import { z } from "zod";
import * as z4 from "zod/v4";
import { ACCOUNT_STATUS_KINDS } from "../domain/account-statuses";

/**
 * The account record's status columns (docs/product-rules.md §4.18): a status to set and one to end, each
 * with its reason. For accountRecordSchema (zod 3, the API's words) and its fast twin (zod 4, the import's
 * hot path); tests/import/record-fast-path.test.ts holds both to the same verdicts.
 */
const reason = z.string().trim().min(1, "is required").max(500, "is longer than 500 characters").optional();

export const recordStatusSchema = {
  contact_status: z
    .enum(ACCOUNT_STATUS_KINDS)
    .optional()
    .describe(
      "A status to set (docs/product-rules.md §4.18): dispute on this account, the others on every account of the borrower; one already in force is left as it is",
    ),
  contact_status_reason: reason.describe("Why the status is set; required with contact_status"),
  contact_status_end: z
    .enum(ACCOUNT_STATUS_KINDS)
    .optional()
    .describe(
      "A status to end (docs/product-rules.md §4.18): those of this kind not yet ended on this account or on every account of the borrower, however they were set; none, nothing happens",
    ),
  contact_status_end_reason: reason.describe("Why the status ends; required with contact_status_end"),
};

const fastReason = z4.string().trim().min(1).max(500).optional();

export const recordStatusFastSchema = {
  contact_status: z4.enum(ACCOUNT_STATUS_KINDS).optional(),
  contact_status_reason: fastReason,
  contact_status_end: z4.enum(ACCOUNT_STATUS_KINDS).optional(),
  contact_status_end_reason: fastReason,
};

/** A status set or ended needs its reason; one record cannot both set and end the same kind. */
export function recordStatusIssue(r: {
  contact_status?: string;
  contact_status_reason?: string;
  contact_status_end?: string;
  contact_status_end_reason?: string;
}): { path: string[]; message: string } | null {
  if (r.contact_status !== undefined && r.contact_status_reason === undefined)
    return { path: ["contact_status_reason"], message: "is required with contact_status" };
  if (r.contact_status_end !== undefined && r.contact_status_end_reason === undefined)
    return { path: ["contact_status_end_reason"], message: "is required with contact_status_end" };
  if (r.contact_status_end !== undefined && r.contact_status_end === r.contact_status)
    return { path: ["contact_status_end"], message: "cannot end the status the same record sets" };
  return null;
}
