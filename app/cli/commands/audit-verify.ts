import { z } from "zod";
import { verifyAuditChain } from "../../platform/audit.server";
import { defineCommand } from "../command";

/**
 * Walks the hash chain of the audit log and checks its anchors (HMACs under AUDIT_ANCHOR_KEY): OK with the
 * row count and the head's anchor, or the first broken row and exit 1. Keeping the printed head somewhere
 * outside the database lets a later run show that no rows were cut from the end since.
 */
export const auditVerify = defineCommand({
  name: "audit:verify",
  usage: "audit:verify",
  summary: "Check the audit log's hash chain and its anchors (exit 1 at the first broken row)",
  options: {},
  schema: z.object({}).strict(),
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const result = await verifyAuditChain(db, { anchorKey: ctx.cfg.auditAnchorKey });
    if (result.ok) {
      ctx.out(`OK: audit chain intact (${result.rows} rows)`);
      if (result.head)
        ctx.out(
          `Head: row ${result.head.id}, anchor ${result.head.mac}; anchored from row ${result.firstAnchoredId}`,
        );
      return 0;
    }
    ctx.err(
      `BROKEN at audit_events row id ${result.brokenAtId}: ${result.problem} (${result.rows} rows checked)`,
    );
    return 1;
  },
});
