import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import {
  DEFAULT_SETTLEMENT_POLICY,
  settlementPolicySchema,
  type SettlementPolicy,
} from "../domain/settlement";
import { describeChanges, diffJson } from "../domain/json-diff";
import { appendAudit } from "../platform/audit.server";
import { activeSettlementPolicy } from "../plans/settlement-policy.server";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

/**
 * The settlement policy editor (docs/product-rules.md §7.10), versioned like the contact policy (§8.7):
 * each save is a new active row in settlement_policies, the previous switched off, in one transaction with
 * the audit record of what changed. A save based on an older version than the active one is a conflict.
 */
const POLICY_LOCK = sql`pg_advisory_xact_lock(hashtext('settle:settlement_policies'))`;

export async function loadSettlementPolicyEditor(
  db: Kysely<Database>,
  display: { locale: string; timeZone: string },
) {
  const [active, rows] = await Promise.all([
    activeSettlementPolicy(db),
    db
      .selectFrom("settlement_policies as p")
      .leftJoin("staff_users as s", "s.id", "p.created_by_staff_id")
      .select(["p.version", "p.active", "p.created_at", "s.display_name"])
      .orderBy("p.version", "desc")
      .limit(50)
      .execute(),
  ]);
  return {
    ...active,
    history: rows.map((r) => ({
      version: r.version,
      active: r.active,
      savedAt: formatStaffDateTime(r.created_at, display.locale, display.timeZone),
      savedBy: r.display_name,
    })),
  };
}

export type SaveSettlementPolicyResult =
  | { status: "saved"; version: number }
  | { status: "unchanged"; version: number }
  | { status: "conflict"; currentVersion: number };

export async function saveSettlementPolicy(
  db: Kysely<Database>,
  input: { staff: Pick<StaffIdentity, "id">; policy: SettlementPolicy; baseVersion: number; now?: Date },
): Promise<SaveSettlementPolicyResult> {
  const now = input.now ?? new Date();
  const policy = settlementPolicySchema.parse(input.policy);
  return db.transaction().execute(async (trx): Promise<SaveSettlementPolicyResult> => {
    await sql`select ${POLICY_LOCK}`.execute(trx);
    const current = await activeSettlementPolicy(trx);
    if (current.version !== input.baseVersion) return { status: "conflict", currentVersion: current.version };
    const before = current.version === 0 ? DEFAULT_SETTLEMENT_POLICY : current.policy;
    const changes = diffJson(before, policy);
    if (changes.length === 0 && !current.storedInvalid)
      return { status: "unchanged", version: current.version };
    const { max } = await trx
      .selectFrom("settlement_policies")
      .select((eb) => eb.fn.max("version").as("max"))
      .executeTakeFirstOrThrow();
    const version = (max ?? 0) + 1;
    await trx.updateTable("settlement_policies").set({ active: false }).where("active", "=", true).execute();
    const row = await trx
      .insertInto("settlement_policies")
      .values({
        version,
        policy: JSON.stringify(policy),
        active: true,
        created_by_staff_id: input.staff.id,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: input.staff.id,
        action: "settlement_policy.saved",
        subjectType: "settlement_policy",
        subjectId: row.id,
        detail: {
          version,
          previousVersion: current.version,
          changeCount: changes.length,
          changes: describeChanges(changes.slice(0, 100)),
        },
      },
      now,
    );
    return { status: "saved", version };
  });
}
