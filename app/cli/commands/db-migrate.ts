import { z } from "zod";
import { migrateToLatest } from "../../../db/migrate";
import { defineCommand } from "../command";

export const dbMigrate = defineCommand({
  name: "db:migrate",
  usage: "db:migrate",
  summary: "Apply all pending database migrations",
  options: {},
  schema: z.object({}).strict(),
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const applied = await migrateToLatest(db);
    ctx.out(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
  },
});
