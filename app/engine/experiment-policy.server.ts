import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { parseContactPolicy, type ContactPolicy } from "../domain/contact-policy";
import { armPolicy, assignArm, type Arm } from "../domain/experiment-arm.server";
import { logger } from "../platform/logger.server";

/**
 * Which contact policy decides an account (docs/product-rules.md §4.21): the champion (the active
 * version), or, while a strategy experiment runs, its challenger for the accounts hashed into that arm.
 * The planner, the dispatcher's send-time re-check and the staff "next contact" line all choose through
 * this, so an account never sees one arm planned and the other re-checked.
 */
export interface RunningExperiment {
  id: string;
  sharePercent: number;
  challenger: ContactPolicy;
}

export interface PolicyChoice {
  policy: ContactPolicy;
  /** null while no experiment runs. */
  arm: Arm | null;
  experimentId: string | null;
}

export interface PolicyChooser {
  champion: ContactPolicy;
  experiment: RunningExperiment | null;
  choose(accountId: string): PolicyChoice;
}

export async function runningExperiment(db: Kysely<Database>): Promise<RunningExperiment | null> {
  const row = await db
    .selectFrom("policy_experiments")
    .select(["id", "share_percent", "challenger_policy"])
    .where("status", "=", "running")
    .executeTakeFirst();
  if (!row) return null;
  const parsed = parseContactPolicy(row.challenger_policy);
  if (parsed.ok) return { id: row.id, sharePercent: row.share_percent, challenger: parsed.policy };
  // Only a hand-edited row can get here (the console parses before it stores); the champion is safe.
  logger.error(
    { experimentId: row.id, errors: parsed.errors },
    "challenger policy is invalid; champion for all",
  );
  return null;
}

export function policyChooser(champion: ContactPolicy, experiment: RunningExperiment | null): PolicyChooser {
  if (!experiment) {
    const only: PolicyChoice = { policy: champion, arm: null, experimentId: null };
    return { champion, experiment, choose: () => only };
  }
  const challenger = armPolicy(champion, experiment.challenger, "challenger");
  return {
    champion,
    experiment,
    choose(accountId) {
      const arm = assignArm(experiment.id, accountId, experiment.sharePercent);
      return { policy: arm === "challenger" ? challenger : champion, arm, experimentId: experiment.id };
    },
  };
}
