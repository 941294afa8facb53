import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRetention } from "../../app/platform/retention.server";
import { createShortLink } from "../../app/messaging/short-links.server";
import { config } from "../../app/platform/config.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Retention by data class (issue #19 item 4, docs/product-rules.md §10.13): each class's period comes from
 * its setting (set here to distinct values, so a class read with another's period would fail), and the
 * daily job removes or pseudonymises a row older than it and keeps a newer one.
 */
process.env.RETENTION_MESSAGE_BODY_DAYS = "400";
process.env.RETENTION_VERIFICATION_ATTEMPTS_DAYS = "90";
process.env.RETENTION_LINK_OPENS_DAYS = "60";
process.env.RETENTION_EXPORTS_DAYS = "7";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const NOW = new Date("2030-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

async function fixture() {
  const borrower = await insertBorrower(t.db);
  const account = await insertAccount(t.db, { borrower_id: borrower.id });
  const message = (created: Date, body: string) =>
    t.db
      .insertInto("messages")
      .values({
        borrower_id: borrower.id,
        account_id: account.id,
        direction: "outbound",
        channel: "sms",
        body,
        to_address: borrower.phone_e164,
        provider: "outbox",
        status: "delivered",
        created_at: created,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
  const link = async (expires: Date) => {
    const l = await createShortLink(t.db, {
      accountId: account.id,
      keys: config().linkSigningKeys,
      baseUrl: "http://portal.test",
    });
    await t.db
      .updateTable("short_links")
      .set({
        expires_at: expires,
        open_count: 3,
        first_opened_at: daysAgo(200),
        last_opened_at: daysAgo(100),
      })
      .where("id", "=", l.id)
      .execute();
    return l.id;
  };
  return { borrower, account, message, link };
}

describe("retention by data class", () => {
  it("each class: a row older than its configured period goes, a newer one stays", async () => {
    const f = await fixture();
    const staff = await insertStaffUser(t.db, { role: "admin" });
    const [oldMsg, newMsg] = [
      await f.message(daysAgo(401), "old text"),
      await f.message(daysAgo(399), "new text"),
    ];
    const [expiredLong, expiredLately] = [await f.link(daysAgo(61)), await f.link(daysAgo(59))];
    const attempt = (at: Date) =>
      t.db
        .insertInto("verification_attempts")
        .values({ link_id: expiredLately, succeeded: false, attempted_at: at })
        .returning("id")
        .executeTakeFirstOrThrow();
    const [oldAttempt, newAttempt] = [await attempt(daysAgo(91)), await attempt(daysAgo(89))];
    const exported = (at: Date) =>
      t.db
        .insertInto("data_exports")
        .values({
          borrower_id: f.borrower.id,
          staff_user_id: staff.id,
          reason: "subject access request",
          content: JSON.stringify({ borrower: f.borrower.id }),
          created_at: at,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const [oldExport, newExport] = [await exported(daysAgo(8)), await exported(daysAgo(6))];

    const run = await runRetention(t.db, { now: NOW });
    expect(run.periods).toEqual({
      message_bodies: 400,
      verification_attempts: 90,
      link_opens: 60,
      exports: 7,
    });
    expect(run.classes).toEqual({ message_bodies: 1, verification_attempts: 1, link_opens: 1, exports: 1 });

    const bodies = await t.db
      .selectFrom("messages")
      .select(["id", "body"])
      .where("id", "in", [oldMsg.id, newMsg.id])
      .execute();
    expect(Object.fromEntries(bodies.map((m) => [m.id, m.body]))).toEqual({
      [oldMsg.id]: "[erased]",
      [newMsg.id]: "new text",
    });
    const attempts = await t.db
      .selectFrom("verification_attempts")
      .select("id")
      .where("id", "in", [oldAttempt.id, newAttempt.id])
      .execute();
    expect(attempts.map((a) => a.id)).toEqual([newAttempt.id]);
    const links = await t.db
      .selectFrom("short_links")
      .select(["id", "open_count", "first_opened_at", "last_opened_at"])
      .where("id", "in", [expiredLong, expiredLately])
      .execute();
    expect(links.find((l) => l.id === expiredLong)).toMatchObject({
      open_count: 0,
      first_opened_at: null,
      last_opened_at: null,
    });
    expect(links.find((l) => l.id === expiredLately)).toMatchObject({ open_count: 3 });
    const exportsLeft = await t.db
      .selectFrom("data_exports")
      .select("id")
      .where("id", "in", [oldExport.id, newExport.id])
      .execute();
    expect(exportsLeft.map((e) => e.id)).toEqual([newExport.id]);

    // One audit row per run carries the counts and periods per class.
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "retention.free_text_erased")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ classes: run.classes, periods: run.periods });

    // A second run finds nothing more.
    expect((await runRetention(t.db, { now: NOW })).classes).toEqual({
      message_bodies: 0,
      verification_attempts: 0,
      link_opens: 0,
      exports: 0,
    });
  });

  it("a dry run counts each class and changes nothing", async () => {
    const f = await fixture();
    const msg = await f.message(daysAgo(500), "kept by a dry run");
    const run = await runRetention(t.db, { now: NOW, dryRun: true });
    expect(run.classes.message_bodies).toBe(1);
    const row = await t.db
      .selectFrom("messages")
      .select("body")
      .where("id", "=", msg.id)
      .executeTakeFirstOrThrow();
    expect(row.body).toBe("kept by a dry run");
  });
});
