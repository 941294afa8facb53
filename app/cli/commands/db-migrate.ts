import { z } from "zod";
import { defineCommand } from "../command";

export const dbMigrate = defineCommand({
  name: "db:migrate",
  usage: "db:migrate",
  summary: "Apply all pending database migrations (as the schema owner) and grant the application's role",
  options: {},
  schema: z.object({}).strict(),
  migratesItself: true,
  async run(_args, ctx) {
    const applied = await ctx.prepareDatabase();
    ctx.out(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
  },
});
