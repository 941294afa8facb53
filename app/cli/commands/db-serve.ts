import { z } from "zod";
import { defineCommand, UsageError } from "../command";
import { openDatabase } from "../database";
import { takeOverShutdownSignals } from "../../../db/embedded";

export const dbServe = defineCommand({
  name: "db:serve",
  usage: "db:serve",
  summary:
    "Run the embedded PostgreSQL for several local processes: migrated, its DATABASE_URL printed, up until Ctrl-C",
  options: {},
  schema: z.object({}).strict(),
  migratesItself: true,
  /**
   * The embedded server in SETTLE_DATA_DIR/pg on EMBEDDED_PG_PORT, started, migrated and seeded as
   * `npm run dev` does, and kept up by this process so that web and worker processes started with the
   * printed URLs share it (README, "Several processes locally"). Stopped on SIGINT or SIGTERM.
   */
  async run(_args, ctx) {
    if (ctx.cfg.DATABASE_URL)
      throw new UsageError("db:serve runs the embedded PostgreSQL: unset DATABASE_URL to use it.");
    const opened = await openDatabase(ctx.cfg, { migrate: true });
    try {
      if (opened.notice) ctx.err(opened.notice);
      ctx.out(`DATABASE_URL=${opened.provisioned.url}`);
      ctx.out(`DATABASE_MIGRATION_URL=${opened.provisioned.ownerUrl}`);
      ctx.out("PostgreSQL is up and migrated; start processes with the settings above. Ctrl-C stops it.");
      takeOverShutdownSignals();
      const signal = await new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      ctx.err(`${signal}: stopping PostgreSQL.`);
    } finally {
      await opened.close();
    }
  },
});
