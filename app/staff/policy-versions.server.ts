import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { describeChanges, type JsonChange } from "../domain/json-diff";
import { appendAudit } from "../platform/audit.server";

/** The tables that keep a policy as numbered versions with one active row (the same columns each). */
export type VersionedPolicyTable = "contact_policies" | "settlement_policies";

/** An audit record carries the first changes only: a whole-policy rewrite must not make one huge row. */
const MAX_CHANGES_AUDITED = 100;

/**
 * Stores `policy` as the next version of `table` and makes it the active one, with the audit record of
 * what changed. The caller holds the table's lock and has checked the version it was based on, inside
 * `trx`, so two editors never both save over the same version.
 */
export async function storePolicyVersion(
  trx: Transaction<Database>,
  table: VersionedPolicyTable,
  input: {
    policy: unknown;
    staffId: string;
    now: Date;
    previousVersion: number;
    changes: readonly JsonChange[];
    auditAction: string;
    /** More for the audit record to say, e.g. the experiment a promotion came from. */
    auditDetail?: Record<string, string | number>;
  },
): Promise<number> {
  const { max } = await trx
    .selectFrom(table)
    .select((eb) => eb.fn.max("version").as("max"))
    .executeTakeFirstOrThrow();
  const version = (max ?? 0) + 1;
  await trx.updateTable(table).set({ active: false }).where("active", "=", true).execute();
  const row = await trx
    .insertInto(table)
    .values({
      version,
      policy: JSON.stringify(input.policy),
      active: true,
      created_by_staff_id: input.staffId,
      created_at: input.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: input.staffId,
      action: input.auditAction,
      subjectType: table === "contact_policies" ? "contact_policy" : "settlement_policy",
      subjectId: row.id,
      detail: {
        version,
        previousVersion: input.previousVersion,
        changeCount: input.changes.length,
        changes: describeChanges(input.changes.slice(0, MAX_CHANGES_AUDITED)),
        ...input.auditDetail,
      },
    },
    input.now,
  );
  return version;
}
