import { z } from "zod";
import { runSchedule } from "../../engine/planner.server";
import { defineCommand, nowOption } from "../command";

export const scheduleRun = defineCommand({
  name: "schedule:run",
  usage: "schedule:run [--now ISO] [--dry-run] [--json]",
  summary: "Decide send/defer/suppress for every account and queue due reminders",
  options: { now: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } },
  schema: z
    .object({
      now: nowOption,
      "dry-run": z.boolean().default(false),
      json: z.boolean().default(false),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const result = await runSchedule(db, {
      now: args.now,
      dryRun: args["dry-run"],
      onDecision: args.json ? (line) => ctx.out(JSON.stringify(line)) : undefined,
    });
    const summary = `${args["dry-run"] ? "Dry run" : "Run"} ${result.runId}: ${result.decided} accounts decided, ${result.queued} texts queued; ${Object.entries(
      result.byReason,
    )
      .map(([r, n]) => `${r}=${n}`)
      .join(" ")}`;
    (args.json ? ctx.err : ctx.out)(summary);
  },
});
