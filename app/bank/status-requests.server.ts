import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import {
  endAccountStatus,
  setAccountStatus,
  statusKindSchema,
  statusReasonSchema,
  type EndStatusOutcome,
  type SetStatusOutcome,
  type StatusActor,
} from "../borrower/account-statuses.server";
import { externalRefSchema } from "./account-record.server";

/**
 * Statuses the bank's core system sets and ends (docs/product-rules.md §4.18): `POST /api/v1/statuses`
 * and `POST /api/v1/statuses/end`. Found by the bank's refs, then the one status service does the rest.
 */
const startsAtSchema = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp with a zone, e.g. 2026-11-23T08:00:00Z" })
  // A status dated ahead would sit unseen and then start by itself; the bank sends it when it applies.
  .refine((v) => Date.parse(v) <= Date.now() + 5 * 60_000, "must not be in the future")
  .describe("When the status took effect (ISO 8601 with zone). Default: when Settle received the request.");

export const statusRequestSchema = z
  .object({
    external_ref: externalRefSchema.describe("The bank's reference for this status (idempotency key)"),
    borrower_ref: externalRefSchema.describe("The bank's id for the borrower"),
    account_ref: externalRefSchema
      .describe(
        "The account it concerns; omitted, it covers all the borrower's accounts (a dispute needs one)",
      )
      .optional(),
    kind: statusKindSchema.describe(
      "breathing_space (standard, 60 days, once in 12 months), breathing_space_crisis (until ended), dispute, cease_contact, insolvency, deceased, vulnerable",
    ),
    reason: statusReasonSchema.describe("Why, as the bank recorded it (1-500 characters)"),
    starts_at: startsAtSchema.optional(),
    validation_notice: z
      .enum(["letter", "email"])
      .describe("With a dispute: send and record a validation notice by this channel")
      .optional(),
  })
  .strict()
  .describe("An account status that stops or shapes contact");

export const statusEndSchema = z
  .object({
    external_ref: externalRefSchema.describe("The external_ref the status was set with"),
    reason: statusReasonSchema.describe("Why it ends (1-500 characters)"),
  })
  .strict()
  .describe("The end of a status set through the API");

export type StatusRequest = z.output<typeof statusRequestSchema>;

export async function applyStatusRequest(
  db: Kysely<Database>,
  req: StatusRequest,
  actor: StatusActor,
  receivedAt: Date,
): Promise<SetStatusOutcome> {
  const borrower = await db
    .selectFrom("borrowers")
    .select("id")
    .where("external_ref", "=", req.borrower_ref)
    .executeTakeFirst();
  if (!borrower) return { status: "not_found" };
  let accountId: string | null = null;
  if (req.account_ref) {
    const account = await db
      .selectFrom("accounts")
      .select("id")
      .where("external_ref", "=", req.account_ref)
      .where("borrower_id", "=", borrower.id)
      .executeTakeFirst();
    if (!account) return { status: "not_found" };
    accountId = account.id;
  }
  const startsAt = req.starts_at ? new Date(req.starts_at) : receivedAt;
  return setAccountStatus(
    db,
    {
      borrowerId: borrower.id,
      accountId,
      kind: req.kind,
      reason: req.reason,
      startsAt: startsAt > receivedAt ? receivedAt : startsAt, // within the allowed clock skew
      externalRef: req.external_ref,
      validationNotice: req.validation_notice ?? null,
    },
    actor,
    receivedAt,
  );
}

export function endStatusRequest(
  db: Kysely<Database>,
  req: z.output<typeof statusEndSchema>,
  actor: StatusActor,
  receivedAt: Date,
): Promise<EndStatusOutcome> {
  return endAccountStatus(db, { externalRef: req.external_ref }, req.reason, actor, receivedAt);
}
