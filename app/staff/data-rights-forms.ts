import { z } from "zod";

/**
 * The data-rights forms (docs/product-rules.md §10.12). A reason is required for both, and goes into the
 * audit row: a short reference such as a request number, not personal data. Erasure also asks for the
 * borrower's reference typed again, so a slip of the mouse erases no one.
 */
const reason = z
  .string()
  .trim()
  .min(3, "staff:dataRights.errors.reason")
  .max(200, "staff:dataRights.errors.reason");

export const dataRightsSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("export"), reason }),
  z.object({
    intent: z.literal("erase"),
    reason,
    confirm: z
      .string()
      .trim()
      .min(1, "staff:dataRights.errors.confirm")
      .max(64, "staff:dataRights.errors.confirm"),
  }),
]);

/** `?export=<id>` names a stored export; `&format=json` downloads it. */
export const exportQuerySchema = z.object({
  export: z.string().uuid().optional(),
  format: z.enum(["page", "json"]).default("page"),
});
