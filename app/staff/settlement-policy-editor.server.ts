import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import {
  DEFAULT_SETTLEMENT_POLICY,
  settlementPolicySchema,
  type SettlementPolicy,
} from "../domain/settlement";
import { diffJson } from "../domain/json-diff";
import { activeSettlementPolicy } from "../plans/settlement-policy.server";
import { formatStaffDateTime } from "./format";
import { storePolicyVersion } from "./policy-versions.server";
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
    const version = await storePolicyVersion(trx, "settlement_policies", {
      policy,
      staffId: input.staff.id,
      now,
      previousVersion: current.version,
      changes,
      auditAction: "settlement_policy.saved",
    });
    return { status: "saved", version };
  });
}
