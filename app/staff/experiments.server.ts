import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { parseContactPolicy, type ContactPolicy } from "../domain/contact-policy";
import { armPolicy } from "../domain/experiment-arm.server";
import { activeContactPolicy } from "../engine/planner.server";
import { appendAudit } from "../platform/audit.server";
import { savePolicyVersion } from "./contact-policy-editor.server";
import { compareArms, type Comparison } from "./experiment-comparison.server";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

/**
 * Champion-challenger on whole strategies (docs/product-rules.md §4.21): start an experiment (a
 * challenger contact policy and its share of accounts), stop it (everyone back on the champion), or
 * promote its challenger (a new champion version through the policy editor's own save). One running at a
 * time; each change is one transaction with its audit record; a closed experiment keeps its comparison.
 */
const LOCK = sql`select pg_advisory_xact_lock(hashtext('settle:policy_experiments'))`;
const HISTORY_LIMIT = 20;

type Staff = Pick<StaffIdentity, "id">;

/** One experiment as the page shows it (app/staff/ui/Experiments.tsx). */
export interface ExperimentSummary {
  id: string;
  name: string;
  sharePercent: number;
  championVersion: number;
  status: "running" | "promoted" | "stopped";
  startedAt: string;
  endedAt: string | null;
  promotedVersion: number | null;
  demo: boolean;
  comparison: Comparison;
}

export interface ExperimentsView {
  championVersion: number;
  running: (ExperimentSummary & { challenger: ContactPolicy }) | null;
  closed: ExperimentSummary[];
}

export async function loadExperiments(
  db: Kysely<Database>,
  display: { locale: string; timeZone: string },
  now = new Date(),
): Promise<ExperimentsView> {
  const [rows, champion] = await Promise.all([
    db
      .selectFrom("policy_experiments")
      .selectAll()
      .orderBy("started_at", "desc")
      .limit(HISTORY_LIMIT + 1)
      .execute(),
    db.selectFrom("contact_policies").select("version").where("active", "=", true).executeTakeFirst(),
  ]);
  const when = (d: Date) => formatStaffDateTime(d, display.locale, display.timeZone);
  // Two set-based queries per experiment still running (or closed before its result was recorded).
  const summaries = await Promise.all(
    rows.map(async (r) => ({
      row: r,
      summary: {
        id: r.id,
        name: r.name,
        sharePercent: r.share_percent,
        championVersion: r.champion_version,
        status: r.status,
        startedAt: when(r.started_at),
        endedAt: r.ended_at ? when(r.ended_at) : null,
        promotedVersion: r.promoted_version,
        demo: r.demo,
        // A closed experiment shows the comparison recorded when it closed; a running one, today's.
        comparison:
          r.status !== "running" && r.result
            ? (r.result as unknown as Comparison)
            : await compareArms(db, r.id, r.ended_at ?? now),
      } satisfies ExperimentSummary,
    })),
  );
  const running = summaries.find((s) => s.row.status === "running");
  const parsed = running ? parseContactPolicy(running.row.challenger_policy) : null;
  return {
    championVersion: champion?.version ?? 0,
    running: running && parsed?.ok ? { ...running.summary, challenger: parsed.policy } : null,
    closed: summaries
      .filter((s) => s.row.status !== "running")
      .slice(0, HISTORY_LIMIT)
      .map((s) => s.summary),
  };
}

export type StartResult = { status: "started"; id: string } | { status: "already_running" };

/** Starts an experiment; the challenger was checked by readPolicyForm and is checked again here. */
export async function startExperiment(
  db: Kysely<Database>,
  input: { staff: Staff; name: string; sharePercent: number; challenger: ContactPolicy; now?: Date },
): Promise<StartResult> {
  const now = input.now ?? new Date();
  const checked = parseContactPolicy(input.challenger);
  if (!checked.ok) throw new Error("startExperiment: invalid challenger policy");
  return db.transaction().execute(async (trx): Promise<StartResult> => {
    await LOCK.execute(trx);
    if (await runningRow(trx)) return { status: "already_running" };
    const [version, champion] = await Promise.all([championVersion(trx), activeContactPolicy(trx)]);
    // Stored with the champion's jurisdiction profiles, which every arm runs under anyway.
    const challenger = armPolicy(champion, checked.policy, "challenger");
    const row = await trx
      .insertInto("policy_experiments")
      .values({
        name: input.name,
        challenger_policy: JSON.stringify(challenger),
        share_percent: input.sharePercent,
        champion_version: version,
        started_by_staff_id: input.staff.id,
        started_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, input.staff, "policy_experiment.started", row.id, now, {
      name: input.name,
      sharePercent: input.sharePercent,
      championVersion: version,
    });
    return { status: "started", id: row.id };
  });
}

export type CloseResult =
  { status: "stopped" } | { status: "promoted"; version: number } | { status: "not_running" };

/**
 * Closes the running experiment `experimentId`: `stop` returns every account to the champion; `promote`
 * also saves the challenger (under the champion's jurisdiction profiles) as the new champion version,
 * audited as a policy save that names the experiment. Either way the comparison is recorded.
 */
export async function closeExperiment(
  db: Kysely<Database>,
  input: { staff: Staff; experimentId: string; promote: boolean; now?: Date },
): Promise<CloseResult> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<CloseResult> => {
    await LOCK.execute(trx);
    const running = await runningRow(trx);
    if (!running || running.id !== input.experimentId) return { status: "not_running" };
    const result = await compareArms(trx, running.id, now);
    let promotedVersion: number | null = null;
    if (input.promote) {
      const [champion, version] = await Promise.all([activeContactPolicy(trx), championVersion(trx)]);
      const parsed = parseContactPolicy(running.challenger_policy);
      if (!parsed.ok) throw new Error(`experiment ${running.id}: stored challenger no longer parses`);
      const saved = await savePolicyVersion(trx, {
        staff: input.staff,
        policy: armPolicy(champion, parsed.policy, "challenger"),
        baseVersion: version,
        now,
        because: { experimentId: running.id, experimentName: running.name },
      });
      // Under the lock the base version is the current one, so only "saved" or "unchanged" come back.
      promotedVersion = saved.status === "conflict" ? saved.currentVersion : saved.version;
    }
    await trx
      .updateTable("policy_experiments")
      .set({
        status: input.promote ? "promoted" : "stopped",
        ended_at: now,
        ended_by_staff_id: input.staff.id,
        promoted_version: promotedVersion,
        result: JSON.stringify(result),
      })
      .where("id", "=", running.id)
      .execute();
    await audit(
      trx,
      input.staff,
      `policy_experiment.${input.promote ? "promoted" : "stopped"}`,
      running.id,
      now,
      {
        promotedVersion,
        accounts: { champion: result.arms.champion.accounts, challenger: result.arms.challenger.accounts },
        cureVerdict: result.differences.cure.verdict,
      },
    );
    return promotedVersion === null
      ? { status: "stopped" }
      : { status: "promoted", version: promotedVersion };
  });
}

function runningRow(trx: Transaction<Database>) {
  return trx
    .selectFrom("policy_experiments")
    .select(["id", "name", "challenger_policy"])
    .where("status", "=", "running")
    .executeTakeFirst();
}

async function championVersion(trx: Transaction<Database>): Promise<number> {
  const row = await trx
    .selectFrom("contact_policies")
    .select("version")
    .where("active", "=", true)
    .executeTakeFirst();
  return row?.version ?? 0;
}

function audit(
  trx: Transaction<Database>,
  staff: Staff,
  action: string,
  experimentId: string,
  now: Date,
  detail: Record<string, unknown>,
) {
  return appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: staff.id,
      action,
      subjectType: "policy_experiment",
      subjectId: experimentId,
      detail,
    },
    now,
  );
}
