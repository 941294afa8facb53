import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { DEFAULT_CONTACT_POLICY, parseContactPolicy, type ContactPolicy } from "../domain/contact-policy";
import { diffJson } from "../domain/json-diff";
import { formatStaffDateTime } from "./format";
import { storePolicyVersion } from "./policy-versions.server";
import type { StaffIdentity } from "./session.server";

/**
 * The contact-policy editor (docs/product-rules.md §8.7). Each save is a new version in
 * contact_policies: the new row becomes the one active row and the previous
 * one is switched off, in one transaction with the audit record of what changed.
 * The planner reads the active row (activeContactPolicy in app/engine/planner.server.ts).
 */
const HISTORY_LIMIT = 50;
// Serialises saves: two supervisors saving at once get "saved" and "conflict", never two active rows.
const POLICY_LOCK = sql`pg_advisory_xact_lock(hashtext('settle:contact_policies'))`;

export interface PolicyEditorView {
  /** The active version; 0 while the built-in defaults apply. */
  version: number;
  policy: ContactPolicy;
  /** The active row no longer parses (e.g. written by hand): the planner uses the defaults. */
  storedInvalid: boolean;
  savedAt: string | null;
  savedBy: string | null;
  history: Array<{ version: number; active: boolean; savedAt: string; savedBy: string | null }>;
}

export async function loadPolicyEditor(
  db: Kysely<Database>,
  display: { locale: string; timeZone: string },
): Promise<PolicyEditorView> {
  const rows = await db
    .selectFrom("contact_policies as p")
    .leftJoin("staff_users as s", "s.id", "p.created_by_staff_id")
    .select(["p.version", "p.active", "p.policy", "p.created_at", "s.display_name"])
    .orderBy("p.version", "desc")
    .limit(HISTORY_LIMIT)
    .execute();
  const when = (d: Date) => formatStaffDateTime(d, display.locale, display.timeZone);
  // Every save makes the newest version the active one, so it is always on the first page.
  const active = rows.find((r) => r.active);
  const parsed = active ? parseContactPolicy(active.policy) : null;
  return {
    version: active?.version ?? 0,
    policy: parsed?.ok ? parsed.policy : DEFAULT_CONTACT_POLICY,
    storedInvalid: parsed !== null && !parsed.ok,
    savedAt: active ? when(active.created_at) : null,
    savedBy: active?.display_name ?? null,
    history: rows.map((r) => ({
      version: r.version,
      active: r.active,
      savedAt: when(r.created_at),
      savedBy: r.display_name,
    })),
  };
}

export type SavePolicyResult =
  | { status: "saved"; version: number; changes: number }
  | { status: "unchanged"; version: number }
  /** Someone saved another version since the editor was opened at `baseVersion`. */
  | { status: "conflict"; currentVersion: number };

/** Saves a policy already checked by parseContactPolicy (readPolicyForm) as the new active version. */
export async function saveContactPolicy(
  db: Kysely<Database>,
  input: { staff: Pick<StaffIdentity, "id">; policy: ContactPolicy; baseVersion: number; now?: Date },
): Promise<SavePolicyResult> {
  const now = input.now ?? new Date();
  // Never trust the caller to have parsed: nothing invalid reaches the table the planner reads.
  const checked = parseContactPolicy(input.policy);
  if (!checked.ok)
    throw new Error(`saveContactPolicy: invalid policy (${checked.errors.map((e) => e.path).join(", ")})`);
  return db.transaction().execute((trx) => savePolicyVersion(trx, { ...input, policy: checked.policy, now }));
}

/**
 * The save inside a caller's transaction: the editor's, or a strategy experiment's promotion
 * (app/staff/experiments.server.ts), which passes what the audit record should also say (`because`).
 */
export async function savePolicyVersion(
  trx: Transaction<Database>,
  input: {
    staff: Pick<StaffIdentity, "id">;
    policy: ContactPolicy;
    baseVersion: number;
    now: Date;
    because?: Record<string, string | number>;
  },
): Promise<SavePolicyResult> {
  await sql`select ${POLICY_LOCK}`.execute(trx);
  const active = await trx
    .selectFrom("contact_policies")
    .select(["version", "policy"])
    .where("active", "=", true)
    .executeTakeFirst();
  const currentVersion = active?.version ?? 0;
  if (currentVersion !== input.baseVersion) return { status: "conflict", currentVersion };
  const previous = active ? parseContactPolicy(active.policy) : null;
  const before = previous?.ok ? previous.policy : DEFAULT_CONTACT_POLICY;
  const changes = diffJson(before, input.policy);
  // Re-saving a stored policy that no longer parsed is a real change even when it equals the defaults.
  if (changes.length === 0 && (!active || previous?.ok))
    return { status: "unchanged", version: currentVersion };

  const version = await storePolicyVersion(trx, "contact_policies", {
    policy: input.policy,
    staffId: input.staff.id,
    now: input.now,
    previousVersion: currentVersion,
    changes,
    auditAction: "contact_policy.saved",
    auditDetail: input.because,
  });
  return { status: "saved", version, changes: changes.length };
}
