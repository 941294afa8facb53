import { z } from "zod";
import { migrateAll } from "../../../db/migrate";
import { defineCommand } from "../command";

export const dbMigrate = defineCommand({
  name: "db:migrate",
  usage: "db:migrate",
  summary: "Apply all pending database migrations",
  options: {},
  schema: z.object({}).strict(),
  migratesItself: true,
  async run(_args, ctx) {
    const { db, pool } = await ctx.database();
    const applied = await migrateAll(db, pool);
    ctx.out(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
  },
});
