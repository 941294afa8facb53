import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, canonicalJson, verifyAuditChain } from "../../app/platform/audit.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

describe("hash-chained audit log", () => {
  it("chains concurrent writers linearly and verifies", async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAudit(t.db, {
          actorType: "system",
          action: `test.event.${i}`,
          subjectType: "test",
          detail: { i, nested: { z: 1, a: [1, "x"] } },
        }),
      ),
    );
    expect(await verifyAuditChain(t.db, 7)).toEqual({ ok: true, rows: 25 });
  });

  it("detects an edited row and a deleted row", async () => {
    const rows = await t.db.selectFrom("audit_events").select("id").orderBy("id").execute();
    const target = rows[10]!.id;
    // The table refuses UPDATE/DELETE; a privileged attacker would have to disable the trigger first.
    await sql`alter table audit_events disable trigger user`.execute(t.db);
    await sql`update audit_events set detail = '{"i": 999}'::jsonb where id = ${target}`.execute(t.db);
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: target,
      problem: expect.stringContaining("edited"),
    });

    const victim = rows[15]!.id;
    await sql`delete from audit_events where id <= ${target}`.execute(t.db);
    await sql`delete from audit_events where id = ${victim}`.execute(t.db);
    await sql`alter table audit_events enable trigger user`.execute(t.db);
    const after = await verifyAuditChain(t.db);
    // The first surviving row points at a removed predecessor.
    expect(after).toMatchObject({ ok: false, problem: expect.stringContaining("link broken") });
  });

  it("hashes JSON independently of key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 }),
    );
  });
});
