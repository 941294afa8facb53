import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { Config } from "../config.server";

/** What a developer sees after `npm run dev`: where to click. */
export async function demoBanner(_db: Kysely<Database>, cfg: Config): Promise<string> {
  const lines = [
    "",
    `  Settle is running: ${cfg.publicBaseUrl}/`,
    `  Health: ${cfg.publicBaseUrl}/healthz   Ready: ${cfg.publicBaseUrl}/readyz`,
    "  Demo borrowers and their verification answers are listed in README.md.",
    "",
  ];
  return lines.join("\n") + "\n";
}
