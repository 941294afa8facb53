import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { planPolicyFor } from "../domain/contact-policy";
import type { PlanPolicy } from "../domain/instalments";
import { activeContactPolicy } from "../engine/planner.server";

/** The automatic plan approval limits in force (the active policy version's `plans`) for an account currency. */
export async function activePlanPolicy(db: Kysely<Database>, currency: string): Promise<PlanPolicy> {
  return planPolicyFor(await activeContactPolicy(db), currency);
}
