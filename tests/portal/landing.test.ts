import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { borrowerLanding } from "../../app/portal/landing.server";
import { auditLinkOpened, LINK_OPENED_AUDIT_TASK } from "../../app/services/feedback.server";
import { verifyAuditChain } from "../../app/services/audit.server";

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
     where k.identifier = ${LINK_OPENED_AUDIT_TASK} and j.key = ${`${LINK_OPENED_AUDIT_TASK}:${linkId}`}`.execute(t.db);
  return rows.map((r) => r.payload);
}

describe("the masked landing", () => {
  it("counts every open, shows only the masked account, and queues one audit of the first open, dated when it happened", async () => {
    const { link, borrower, account } = await borrowerWithLink(t.db);
    const first = await borrowerLanding(t.db, link.code, "192.0.2.10");
    await borrowerLanding(t.db, link.code, "192.0.2.10");
    await borrowerLanding(t.db, link.code, "192.0.2.11");
    expect(first).toMatchObject({ status: "ok", page: { last4: account.last4, product: account.product, locked: false } });
    expect(Object.keys(first.status === "ok" ? first.page : {}).sort()).toEqual(["last4", "locked", "method", "product"]);

    const row = await t.db.selectFrom("short_links").select(["open_count", "first_opened_at", "last_opened_at"]).where("id", "=", link.id).executeTakeFirstOrThrow();
    expect(row.open_count).toBe(3);
    expect(row.first_opened_at!.getTime()).toBeLessThanOrEqual(row.last_opened_at!.getTime());

    // Nothing on the request's path writes the audit chain; one job per link does, later.
    const before = await t.db.selectFrom("audit_events").select("action").where("borrower_id", "=", borrower.id).execute();
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
    await t.db.updateTable("short_links").set({ revoked_at: new Date(), revoked_reason: "test" }).where("id", "=", revoked.link.id).execute();
    const expired = await borrowerWithLink(t.db);
    await t.db.updateTable("short_links").set({ expires_at: new Date(Date.now() - 1_000) }).where("id", "=", expired.link.id).execute();
    const unknown = await borrowerWithLink(t.db);
    await t.db.deleteFrom("short_links").where("id", "=", unknown.link.id).execute();

    expect((await borrowerLanding(t.db, revoked.link.code, "192.0.2.20")).status).toBe("revoked");
    expect((await borrowerLanding(t.db, expired.link.code, "192.0.2.20")).status).toBe("expired");
    expect((await borrowerLanding(t.db, unknown.link.code, "192.0.2.20")).status).toBe("invalid");
    const counts = await t.db.selectFrom("short_links").select("open_count").where("id", "in", [revoked.link.id, expired.link.id]).execute();
    expect(counts.map((c) => c.open_count)).toEqual([0, 0]);
    expect(await openJobs(revoked.link.id)).toHaveLength(0);
  });

  it("rejects a malformed audit job payload without writing", async () => {
    await expect(auditLinkOpened(t.db, { linkId: "not-a-uuid", at: "yesterday" })).rejects.toThrow();
  });
});
