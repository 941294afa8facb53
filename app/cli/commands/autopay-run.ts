import { z } from "zod";
import { runAutopay } from "../../payments/autopay-charges.server";
import { defineCommand, nowOption } from "../command";

export const autopayRun = defineCommand({
  name: "autopay:run",
  usage: "autopay:run [--now ISO] [--json]",
  summary: "Text autopay reminders 3 days ahead and charge saved cards for the instalments due today",
  options: { now: { type: "string" }, json: { type: "boolean" } },
  schema: z.object({ now: nowOption, json: z.boolean().default(false) }).strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const run = await runAutopay(db, { now: args.now });
    ctx.out(
      args.json
        ? JSON.stringify(run)
        : `Autopay: ${run.reminded} reminders queued, ${run.charged} instalments charged, ${run.declined} declined, ${run.payByHandTexts} pay-by-hand texts`,
    );
  },
});
