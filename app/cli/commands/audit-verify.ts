import { z } from "zod";
import { verifyAuditChain } from "../../platform/audit.server";
import { defineCommand } from "../command";

/** Walks the hash chain of the audit log: OK with the row count, or the first broken row and exit 1. */
export const auditVerify = defineCommand({
  name: "audit:verify",
  usage: "audit:verify",
  summary: "Check the audit log's hash chain (exit 1 at the first broken row)",
  options: {},
  schema: z.object({}).strict(),
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const result = await verifyAuditChain(db);
    if (result.ok) {
      ctx.out(`OK: audit chain intact (${result.rows} rows)`);
      return 0;
    }
    ctx.err(
      `BROKEN at audit_events row id ${result.brokenAtId}: ${result.problem} (${result.rows} rows checked)`,
    );
    return 1;
  },
});
