import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import {
  DEFAULT_SETTLEMENT_POLICY,
  settlementPolicySchema,
  type SettlementPolicy,
} from "../domain/settlement";
import { logger } from "../platform/logger.server";

/**
 * The settlement bands in force (docs/product-rules.md §7.10): the active settlement_policies row, or the
 * defaults (version 0) while none is saved. A stored row that no longer parses offers nothing, logged.
 */
export async function activeSettlementPolicy(
  db: Kysely<Database> | Transaction<Database>,
): Promise<{ version: number; policy: SettlementPolicy; storedInvalid: boolean }> {
  const row = await db
    .selectFrom("settlement_policies")
    .select(["version", "policy"])
    .where("active", "=", true)
    .executeTakeFirst();
  if (!row) return { version: 0, policy: DEFAULT_SETTLEMENT_POLICY, storedInvalid: false };
  const parsed = settlementPolicySchema.safeParse(row.policy);
  if (parsed.success) return { version: row.version, policy: parsed.data, storedInvalid: false };
  logger.warn({ version: row.version }, "active settlement policy does not parse: no band offers");
  return { version: row.version, policy: DEFAULT_SETTLEMENT_POLICY, storedInvalid: true };
}
