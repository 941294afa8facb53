import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { answersMatch, hashVerificationAnswer, type VerificationKind } from "./verification-answers.server";
import { startBorrowerSession } from "./session.server";

/** 5 failed tries per link per 15 minutes, then locked for 24 h and flagged (docs/product-rules.md §2.2). */
export const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCKOUT_MS = 24 * 60 * 60_000;

export type VerificationOutcome =
  | { status: "verified"; setCookie: string }
  | { status: "wrong"; remaining: number }
  | { status: "locked"; until: Date };

/**
 * Checks an answer for the borrower a link belongs to. The link row is locked
 * for the duration, so parallel guesses cannot overrun the failure budget.
 * The answer has already been validated for shape; a well-formed wrong answer counts as a failure.
 */
export async function verifyBorrower(
  db: Kysely<Database>,
  opts: { linkId: string; kind: VerificationKind; answer: string; hashKey: string; now?: Date },
): Promise<VerificationOutcome> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom("short_links")
      .innerJoin("borrowers", "borrowers.id", "short_links.borrower_id")
      .select([
        "short_links.id",
        "short_links.borrower_id",
        "short_links.account_id",
        "short_links.locked_until",
        "borrowers.dob_hash",
        "borrowers.id_last4_hash",
      ])
      .where("short_links.id", "=", opts.linkId)
      .forUpdate("short_links")
      .executeTakeFirstOrThrow();
    if (link.locked_until && link.locked_until > now) return { status: "locked", until: link.locked_until };

    const expected = opts.kind === "dob" ? link.dob_hash : link.id_last4_hash;
    const given = hashVerificationAnswer(opts.kind, opts.answer, opts.hashKey);
    const ok = answersMatch(given, expected);
    await trx
      .insertInto("verification_attempts")
      .values({ link_id: link.id, succeeded: ok, attempted_at: now })
      .execute();

    if (ok) {
      await appendAudit(
        trx,
        {
          actorType: "borrower",
          actorId: link.borrower_id,
          action: "borrower.verified",
          subjectType: "account",
          subjectId: link.account_id,
          borrowerId: link.borrower_id,
          detail: { method: opts.kind, linkId: link.id },
        },
        now,
      );
      const setCookie = await startBorrowerSession(trx, {
        borrowerId: link.borrower_id,
        accountId: link.account_id,
        linkId: link.id,
        now,
      });
      return { status: "verified", setCookie };
    }

    const { failures } = await trx
      .selectFrom("verification_attempts")
      .select(sql<number>`count(*)::int`.as("failures"))
      .where("link_id", "=", link.id)
      .where("succeeded", "=", false)
      .where("attempted_at", ">", new Date(now.getTime() - FAILURE_WINDOW_MS))
      .executeTakeFirstOrThrow();
    if (failures < MAX_FAILURES) return { status: "wrong", remaining: MAX_FAILURES - failures };

    const until = new Date(now.getTime() + LOCKOUT_MS);
    await trx.updateTable("short_links").set({ locked_until: until }).where("id", "=", link.id).execute();
    // Flag for an agent: repeated failures may be a recycled number or someone guessing.
    await trx
      .insertInto("tasks")
      .values({
        kind: "call",
        borrower_id: link.borrower_id,
        account_id: link.account_id,
        status: "open",
        due_at: now,
        source_type: "verification_lockout",
        source_id: link.id,
        dedupe_key: `verification_lockout:${link.id}:${until.toISOString().slice(0, 10)}`,
      })
      .onConflict((oc) => oc.column("dedupe_key").doNothing())
      .execute();
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: "verification.locked",
        subjectType: "short_link",
        subjectId: link.id,
        borrowerId: link.borrower_id,
        detail: { failures, until: until.toISOString() },
      },
      now,
    );
    return { status: "locked", until };
  });
}
