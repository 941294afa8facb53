import type { Kysely } from "kysely";
import { z } from "zod";
import type { AccountStatusKind, Database } from "../../db/schema";
import {
  endAccountStatus,
  setAccountStatus,
  statusKindSchema,
  statusReasonSchema,
  type EndStatusOutcome,
  type SetStatusOutcome,
  type StatusActor,
  type StatusRefusal,
} from "../borrower/account-statuses.server";
import { ACCOUNT_ONLY_KINDS } from "../domain/account-statuses";
import { externalRefSchema, type AccountRecord } from "./account-record.server";

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

/** A status an account record (import row or bulk API record) sets or ends, by the record's position. */
export interface RecordStatus {
  index: number;
  borrowerRef: string;
  accountRef: string;
  set: { kind: AccountStatusKind; reason: string } | null;
  end: { kind: AccountStatusKind; reason: string } | null;
}

export function recordStatusOf(index: number, record: AccountRecord): RecordStatus | null {
  const set =
    record.contact_status && record.contact_status_reason
      ? { kind: record.contact_status, reason: record.contact_status_reason }
      : null;
  const end =
    record.contact_status_end && record.contact_status_end_reason
      ? { kind: record.contact_status_end, reason: record.contact_status_end_reason }
      : null;
  if (!set && !end) return null;
  return { index, borrowerRef: record.borrower_ref, accountRef: record.account_ref, set, end };
}

/**
 * Ends, then sets, the statuses records carry, after their accounts are written (each in its own
 * transaction, by the one status service). A status already in force is left as it is and one already
 * ended stays ended, so a file imported twice changes nothing the second time; a status the rules refuse
 * (a second Breathing Space within 12 months) is reported against its record.
 */
export async function applyRecordStatuses(
  db: Kysely<Database>,
  items: readonly RecordStatus[],
  actor: StatusActor,
  now: Date,
): Promise<Array<{ index: number; path: string; message: string }>> {
  const problems: Array<{ index: number; path: string; message: string }> = [];
  for (const item of items) {
    const account = await db
      .selectFrom("accounts as a")
      .innerJoin("borrowers as b", "b.id", "a.borrower_id")
      .select(["a.id", "a.borrower_id"])
      .where("a.external_ref", "=", item.accountRef)
      .where("b.external_ref", "=", item.borrowerRef)
      .executeTakeFirst();
    if (!account) continue; // the record itself was refused, and is reported already
    if (item.end)
      await endRecordStatus(
        db,
        { accountId: account.id, borrowerId: account.borrower_id },
        item.end,
        actor,
        now,
      );
    if (!item.set) continue;
    const outcome = await setAccountStatus(
      db,
      {
        borrowerId: account.borrower_id,
        accountId: ACCOUNT_ONLY_KINDS.has(item.set.kind) ? account.id : null,
        kind: item.set.kind,
        reason: item.set.reason,
      },
      actor,
      now,
    );
    if (outcome.status === "refused" && outcome.code !== "already_in_force")
      problems.push({ index: item.index, path: "contact_status", message: RECORD_REFUSALS[outcome.code] });
  }
  return problems;
}

/**
 * Ends the record's account's statuses of a kind that are not yet ended: those naming the account and those
 * covering every account of the borrower (as the import sets them), whoever set them. A record carries no
 * status id, so this finds them by kind; each is ended by endAccountStatus, as the API ends one.
 */
async function endRecordStatus(
  db: Kysely<Database>,
  target: { accountId: string; borrowerId: string },
  end: { kind: AccountStatusKind; reason: string },
  actor: StatusActor,
  now: Date,
) {
  const open = await db
    .selectFrom("account_statuses")
    .select("id")
    .where("borrower_id", "=", target.borrowerId)
    .where("kind", "=", end.kind)
    .where((w) => w.or([w("account_id", "=", target.accountId), w("account_id", "is", null)]))
    .where("ended_at", "is", null)
    .where((w) => w.or([w("ends_at", "is", null), w("ends_at", ">", now)]))
    .orderBy("starts_at")
    .execute();
  for (const row of open)
    await endAccountStatus(db, { statusId: row.id, borrowerId: target.borrowerId }, end.reason, actor, now);
}

const RECORD_REFUSALS: Record<StatusRefusal, string> = {
  breathing_space_in_force: "a standard Breathing Space is already in force (the account was written)",
  breathing_space_within_limit:
    "a standard Breathing Space started within the last 12 months; only one is allowed in 12 months (the account was written)",
  already_in_force: "is already in force",
  account_required: "a dispute needs its account",
  notice_needs_dispute: "a validation notice goes only with a dispute",
};
