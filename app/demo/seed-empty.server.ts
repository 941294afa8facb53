import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { Config } from "../platform/config.server";
import { seedDemoHistory } from "./history.server";
import { seedDemoData } from "./seed.server";
import { seedDemoStaff } from "./staff.server";

/**
 * The demo borrowers and the demo staff (published password, no authenticator), always together, only into
 * an empty database (no borrowers and no staff) and never in production: demo staff added to a real
 * install would let whoever signs in first enrol their own authenticator as admin (issue #17, item 2).
 * Returns what was seeded, or null when nothing was.
 */
export async function seedDemoIntoEmptyDatabase(
  db: Kysely<Database>,
  cfg: Pick<Config, "isProduction" | "SEED_DEMO" | "verificationHashKey">,
): Promise<{ borrowers: number; history: number; staff: number } | null> {
  if (cfg.isProduction || cfg.SEED_DEMO === "never") return null;
  if (!(await isEmpty(db))) return null;
  const { borrowers } = await seedDemoData(db, { verificationHashKey: cfg.verificationHashKey });
  // The 60-day past of a few hundred synthetic borrowers, so the dashboard is not all zeros (#23 item 5).
  const history = await seedDemoHistory(db);
  const { staff } = await seedDemoStaff(db);
  return { borrowers, history: history.borrowers, staff };
}

async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const [borrower, staff] = await Promise.all([
    db.selectFrom("borrowers").select("id").limit(1).executeTakeFirst(),
    db.selectFrom("staff_users").select("id").limit(1).executeTakeFirst(),
  ]);
  return borrower === undefined && staff === undefined;
}
