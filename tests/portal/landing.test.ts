import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { borrowerLanding } from "../../app/portal/landing.server";
import { auditLinkOpened } from "../../app/engine/feedback.server";
import { LINK_OPENED_AUDIT_TASK, openShortLinks } from "../../app/messaging/short-links.server";
import { consume } from "../../app/platform/rate-limit.server";
import { config } from "../../app/platform/config.server";
import { verifyAuditChain } from "../../app/platform/audit.server";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

async function openJobs(linkId: string) {
  const { rows } = await sql<{ payload: unknown }>`
    select payload from graphile_worker._private_jobs j join graphile_worker._private_tasks k on k.id = j.task_id
     where k.identifier = ${LINK_OPENED_AUDIT_TASK} and j.key = ${`${LINK_OPENED_AUDIT_TASK}:${linkId}`}`.execute(
    t.db,
  );
  return rows.map((r) => r.payload);
}

describe("the masked landing", () => {
  it("counts every open, shows only the masked account, and queues one audit of the first open, dated when it happened", async () => {
    const { link, borrower, account } = await borrowerWithLink(t.db);
    const first = await borrowerLanding(t.db, link.code, "192.0.2.10");
    await borrowerLanding(t.db, link.code, "192.0.2.10");
    await borrowerLanding(t.db, link.code, "192.0.2.11");
    expect(first).toMatchObject({
      status: "ok",
      page: { last4: account.last4, product: account.product, locked: false },
    });
    expect(Object.keys(first.status === "ok" ? first.page : {}).sort()).toEqual([
      "last4",
      "locked",
      "method",
      "product",
    ]);

    const row = await t.db
      .selectFrom("short_links")
      .select(["open_count", "first_opened_at", "last_opened_at"])
      .where("id", "=", link.id)
      .executeTakeFirstOrThrow();
    expect(row.open_count).toBe(3);
    expect(row.first_opened_at!.getTime()).toBeLessThanOrEqual(row.last_opened_at!.getTime());

    // Nothing on the request's path writes the audit chain; one job per link does, later.
    const before = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(before.map((a) => a.action)).not.toContain("link.opened");
    const jobs = await openJobs(link.id);
    expect(jobs).toHaveLength(1);
    await auditLinkOpened(t.db, jobs[0]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "subject_id", "occurred_at"])
      .where("borrower_id", "=", borrower.id)
      .where("action", "=", "link.opened")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.subject_id).toBe(link.id);
    expect(audit[0]!.occurred_at.toISOString()).toBe(row.first_opened_at!.toISOString());
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("tells revoked, expired and unknown links apart, and counts none of them", async () => {
    const revoked = await borrowerWithLink(t.db);
    await t.db
      .updateTable("short_links")
      .set({ revoked_at: new Date(), revoked_reason: "test" })
      .where("id", "=", revoked.link.id)
      .execute();
    const expired = await borrowerWithLink(t.db);
    await t.db
      .updateTable("short_links")
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where("id", "=", expired.link.id)
      .execute();
    const unknown = await borrowerWithLink(t.db);
    await t.db.deleteFrom("short_links").where("id", "=", unknown.link.id).execute();

    expect((await borrowerLanding(t.db, revoked.link.code, "192.0.2.20")).status).toBe("revoked");
    expect((await borrowerLanding(t.db, expired.link.code, "192.0.2.20")).status).toBe("expired");
    expect((await borrowerLanding(t.db, unknown.link.code, "192.0.2.20")).status).toBe("invalid");
    const counts = await t.db
      .selectFrom("short_links")
      .select("open_count")
      .where("id", "in", [revoked.link.id, expired.link.id])
      .execute();
    expect(counts.map((c) => c.open_count)).toEqual([0, 0]);
    expect(await openJobs(revoked.link.id)).toHaveLength(0);
  });

  it("counts a batch of opens in one statement: repeats of a link in order, only usable links, one audit job per first open, braked clients untouched", async () => {
    const one = () => borrowerWithLink(t.db);
    const [a, b, seen, revoked, expired, braked] = await Promise.all([
      one(),
      one(),
      one(),
      one(),
      one(),
      one(),
    ]);
    await t.db
      .updateTable("short_links")
      .set({ open_count: 5, first_opened_at: new Date(Date.now() - 60_000) })
      .where("id", "=", seen.link.id)
      .execute();
    await t.db
      .updateTable("short_links")
      .set({ revoked_at: new Date(), revoked_reason: "test" })
      .where("id", "=", revoked.link.id)
      .execute();
    await t.db
      .updateTable("short_links")
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where("id", "=", expired.link.id)
      .execute();
    const rule = { points: 2, durationSec: 600 };
    for (let i = 0; i < 2; i++) await consume(t.db, "batch-test:spent", rule);
    const forged = `${a.link.code.slice(0, -1)}${a.link.code.endsWith("A") ? "B" : "A"}`;

    const results = await openShortLinks(
      t.db,
      [
        { code: a.link.code, brakeKey: "batch-test:fresh" },
        { code: seen.link.code, brakeKey: "batch-test:fresh" },
        { code: a.link.code, brakeKey: "batch-test:other" },
        { code: forged, brakeKey: "batch-test:fresh" },
        { code: revoked.link.code },
        { code: expired.link.code },
        { code: braked.link.code, brakeKey: "batch-test:spent" },
        { code: b.link.code },
        { code: seen.link.code },
        { code: a.link.code },
      ],
      config().linkSigningKeys,
      { brakeRule: rule },
    );
    const brief = results.map((r) =>
      r.status === "ok" ? { id: r.link.id, openCount: r.link.openCount, last4: r.account.last4 } : r.status,
    );
    expect(brief).toEqual([
      { id: a.link.id, openCount: 1, last4: a.account.last4 },
      { id: seen.link.id, openCount: 6, last4: seen.account.last4 },
      { id: a.link.id, openCount: 2, last4: a.account.last4 },
      "invalid",
      "revoked",
      "expired",
      "rate_limited",
      { id: b.link.id, openCount: 1, last4: b.account.last4 },
      { id: seen.link.id, openCount: 7, last4: seen.account.last4 },
      { id: a.link.id, openCount: 3, last4: a.account.last4 },
    ]);
    expect(results[6]).toMatchObject({ status: "rate_limited", retryAfterSec: expect.any(Number) });

    const counts = Object.fromEntries(
      (
        await t.db
          .selectFrom("short_links")
          .select(["id", "open_count"])
          .where(
            "id",
            "in",
            [a, b, seen, revoked, expired, braked].map((x) => x.link.id),
          )
          .execute()
      ).map((r) => [r.id, r.open_count]),
    );
    expect(counts).toEqual({
      [a.link.id]: 3,
      [b.link.id]: 1,
      [seen.link.id]: 7,
      [revoked.link.id]: 0,
      [expired.link.id]: 0,
      [braked.link.id]: 0,
    });
    // First opens only, one job each, whatever the batch repeated; the payload is what the audit job takes.
    const [jobsA, jobsB, jobsSeen, jobsBraked] = await Promise.all([
      openJobs(a.link.id),
      openJobs(b.link.id),
      openJobs(seen.link.id),
      openJobs(braked.link.id),
    ]);
    expect([jobsA.length, jobsB.length, jobsSeen.length, jobsBraked.length]).toEqual([1, 1, 0, 0]);
    expect(jobsA[0]).toMatchObject({ linkId: a.link.id, borrowerId: a.borrower.id, accountId: a.account.id });
    await auditLinkOpened(t.db, jobsB[0]);
  });

  it("concurrent taps go through the group commit: every open counted once, one audit job per link", async () => {
    const links = await Promise.all([...Array(3)].map(() => borrowerWithLink(t.db)));
    const taps = 20;
    const opened = await Promise.all(
      [...Array(taps * links.length)].map((_, i) =>
        borrowerLanding(t.db, links[i % links.length]!.link.code, `198.51.100.${i % 7}`),
      ),
    );
    expect(opened.every((o) => o.status === "ok")).toBe(true);
    const rows = await t.db
      .selectFrom("short_links")
      .select(["id", "open_count"])
      .where(
        "id",
        "in",
        links.map((l) => l.link.id),
      )
      .execute();
    expect(rows.map((r) => r.open_count)).toEqual([taps, taps, taps]);
    for (const l of links) expect(await openJobs(l.link.id)).toHaveLength(1);
  });

  it("rejects a malformed audit job payload without writing", async () => {
    await expect(auditLinkOpened(t.db, { linkId: "not-a-uuid", at: "yesterday" })).rejects.toThrow();
  });
});
