import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from "../domain/contact-policy";
import { assignArm } from "../domain/experiment-arm.server";
import { compareArms } from "../staff/experiment-comparison.server";
import { HISTORY_REF_PREFIX } from "./history-draw";

/**
 * A closed strategy experiment over the demo history (issue #23 items 2 and 5), so the experiments page
 * compares two arms on a fresh `npm run dev`. Marked demo (a badge on the page) and closed ("stopped",
 * never promoted), so it changes no policy and the live schedule runs as without it. Deterministic: the
 * arms hash each account's external reference, not its generated id.
 */
const DEMO_EXPERIMENT_NAME = "Demo: mid-stage reminders every 3 days";
const DEMO_ARM_KEY = "demo-history-experiment";
const SHARE = 50;
const DAY = 86_400_000;

const challenger: ContactPolicy = {
  ...DEFAULT_CONTACT_POLICY,
  stages: DEFAULT_CONTACT_POLICY.stages.map((s) => (s.id === "mid" ? { ...s, everyDays: 3 } : s)),
};

export async function seedDemoExperiment(db: Kysely<Database>, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("policy_experiments")
      .select("id")
      .where("demo", "=", true)
      .executeTakeFirst();
    if (existing) return;
    const started = new Date(now.getTime() - 60 * DAY);
    const { id } = await trx
      .insertInto("policy_experiments")
      .values({
        name: DEMO_EXPERIMENT_NAME,
        challenger_policy: JSON.stringify(challenger),
        share_percent: SHARE,
        champion_version: 0,
        status: "stopped",
        started_at: started,
        ended_at: now,
        demo: true,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const accounts = await trx
      .selectFrom("accounts")
      .select(["id", "external_ref", "overdue_minor"])
      .where("external_ref", "like", `${HISTORY_REF_PREFIX}%`)
      .orderBy("external_ref")
      .execute();
    if (accounts.length === 0) return;
    await trx
      .insertInto("policy_experiment_assignments")
      .values(
        accounts.map((a) => ({
          experiment_id: id,
          account_id: a.id,
          arm: assignArm(DEMO_ARM_KEY, a.external_ref, SHARE),
          in_arrears: a.overdue_minor > 0,
          assigned_at: started,
        })),
      )
      .execute();
    const result = await compareArms(trx, id, now);
    await trx
      .updateTable("policy_experiments")
      .set({ result: JSON.stringify(result) })
      .where("id", "=", id)
      .execute();
  });
}
