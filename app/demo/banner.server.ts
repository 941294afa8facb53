import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { DEMO_BORROWERS } from "./demo-borrowers";
import type { Config } from "../platform/config.server";
import { createShortLink } from "../messaging/short-links.server";

/** What a developer sees after `npm run dev`: fresh demo links to click, with the answers to type. */
export async function demoBanner(db: Kysely<Database>, cfg: Config): Promise<string> {
  const lines = ["", `  Settle is running: ${cfg.publicBaseUrl}/`, ""];
  const picks = DEMO_BORROWERS.filter((b) => ["early", "late", "serious"].includes(b.stage));
  for (const demo of picks) {
    const account = await db
      .selectFrom("accounts")
      .select("id")
      .where("external_ref", "=", demo.account.externalRef)
      .executeTakeFirst();
    if (!account) continue;
    const link = await createShortLink(db, {
      accountId: account.id,
      keys: cfg.linkSigningKeys,
      baseUrl: cfg.publicBaseUrl,
    });
    const answer =
      cfg.VERIFICATION_METHOD === "dob" ? `date of birth ${demo.dob}` : `ID last 4 ${demo.idLast4}`;
    lines.push(`  ${demo.stage.padEnd(8)} ${demo.locale.padEnd(6)} ${link.url}   (${answer})`);
  }
  lines.push(
    "",
    "  More links: npm run settle -- link:create --account <ref>   (refs in README.md)",
    `  Plan reminders now: npm run settle -- schedule:run --json; texts appear at ${cfg.publicBaseUrl}/dev/outbox`,
    "",
  );
  return lines.join("\n") + "\n";
}
