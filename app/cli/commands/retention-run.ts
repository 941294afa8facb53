import { z } from "zod";
import { runRetention } from "../../platform/retention.server";
import { defineCommand, nowOption } from "../command";

export const retentionRun = defineCommand({
  name: "retention:run",
  usage: "retention:run [--now ISO] [--dry-run]",
  summary: "Erase closed accounts' free text, and each data class past its RETENTION_*_DAYS (audited)",
  options: { now: { type: "string" }, "dry-run": { type: "boolean" } },
  schema: z
    .object({
      now: nowOption,
      "dry-run": z.boolean().default(false),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const run = await runRetention(db, { now: args.now ?? new Date(), dryRun: args["dry-run"] });
    const counts = [...Object.entries(run.erased), ...Object.entries(run.classes)]
      .map(([column, n]) => `${column}=${n}`)
      .join(" ");
    ctx.out(
      `${run.dryRun ? "Dry run: would erase" : "Erased"} ${run.total} free-text values of accounts closed on or before ${run.cutoff.toISOString()} (${run.days} days); ${counts}`,
    );
  },
});
