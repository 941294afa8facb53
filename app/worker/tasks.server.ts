import type { Kysely } from "kysely";
import type { TaskList } from "graphile-worker";
import type { Database } from "../../db/schema";
import { pruneExpiredSessions } from "../services/sessions.server";

/** Every background task Settle runs, by graphile-worker identifier. */
export function createTaskList(db: Kysely<Database>): TaskList {
  return {
    "sessions:prune": async (_payload, helpers) => {
      const removed = await pruneExpiredSessions(db, new Date());
      if (removed.borrower + removed.staff > 0) helpers.logger.info(`pruned sessions ${JSON.stringify(removed)}`);
    },
  };
}

/** Recurring jobs (graphile-worker crontab syntax). */
export const CRONTAB = ["0 * * * * sessions:prune"].join("\n");
