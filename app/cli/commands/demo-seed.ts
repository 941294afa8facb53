import { z } from "zod";
import { DEMO_BORROWERS } from "../../demo/demo-borrowers";
import { seedDemoHistory } from "../../demo/history.server";
import { seedDemoData } from "../../demo/seed.server";
import { defineCommand } from "../command";

export const demoSeed = defineCommand({
  name: "demo:seed",
  usage: "demo:seed",
  summary: "Insert the demo borrowers and the demo history (idempotent)",
  options: {},
  schema: z.object({}).strict(),
  async run(_args, ctx) {
    // Demo borrowers (with their published answers) never go into a production database.
    if (ctx.cfg.isProduction) {
      ctx.err("demo:seed is refused in production (NODE_ENV=production).");
      return 2;
    }
    const { db } = await ctx.database();
    const result = {
      ...(await seedDemoData(db, { verificationHashKey: ctx.cfg.verificationHashKey })),
      history: (await seedDemoHistory(db)).borrowers,
    };
    ctx.out(`Demo data ready (${JSON.stringify(result)}); ${DEMO_BORROWERS.length} demo borrowers defined.`);
  },
});
