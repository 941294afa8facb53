import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  anchorUnanchoredAuditLog,
  appendAudit,
  auditHash,
  canonicalJson,
  verifyAuditChain,
} from "../../app/platform/audit.server";
import { auditVerify } from "../../app/cli/commands/audit-verify";
import type { CommandContext } from "../../app/cli/command";
import { config } from "../../app/platform/config.server";
import type { AuditEvent } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.destroy();
});

const event = (i: number) => ({
  actorType: "system" as const,
  action: `test.event.${i}`,
  subjectType: "test",
  detail: { i, nested: { z: 1, a: [1, "x"] } },
});

async function appendMany(n: number) {
  for (let i = 0; i < n; i++) await appendAudit(t.db, event(i));
}

/** What the table's owner can do: switch the append-only triggers off around `change`. */
async function asOwnerWithoutTriggers(change: () => Promise<unknown>) {
  await sql`alter table audit_events disable trigger user`.execute(t.db);
  await sql`alter table audit_anchors disable trigger user`.execute(t.db);
  try {
    await change();
  } finally {
    await sql`alter table audit_events enable trigger user`.execute(t.db);
    await sql`alter table audit_anchors enable trigger user`.execute(t.db);
  }
}

/** Rewrites one row's detail and recomputes its hash and every later row's links: a chain that verifies on its own. */
async function rewriteChainFrom(id: number, detail: Record<string, unknown>) {
  const rows = await t.db.selectFrom("audit_events").selectAll().orderBy("id").execute();
  let prev: string | null = null;
  for (const row of rows as AuditEvent[]) {
    if (row.id < id) {
      prev = row.hash;
      continue;
    }
    const content = { ...row, detail: row.id === id ? detail : row.detail, prev_hash: prev };
    const hash = auditHash(content);
    await sql`update audit_events set detail = ${JSON.stringify(content.detail)}::jsonb, prev_hash = ${prev}, hash = ${hash}
      where id = ${row.id}`.execute(t.db);
    prev = hash;
  }
}

function commandContext() {
  const lines: string[] = [];
  const errors: string[] = [];
  const ctx: CommandContext & { lines: string[]; errors: string[] } = {
    cfg: config(),
    database: async () => ({ db: t.db, pool: t.pool, close: async () => {} }),
    prepareDatabase: async () => [],
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    lines,
    errors,
  };
  return ctx;
}

describe("hash-chained audit log", () => {
  it("chains concurrent writers linearly, anchors every row, and verifies", async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => appendAudit(t.db, event(i))));
    const result = await verifyAuditChain(t.db, { pageSize: 7 });
    expect(result).toMatchObject({ ok: true, rows: 25 });
    const anchors = await t.db.selectFrom("audit_anchors").select("audit_id").execute();
    expect(anchors).toHaveLength(25);
  });

  it("detects an edited row and a deleted row", async () => {
    await appendMany(20);
    const rows = await t.db.selectFrom("audit_events").select("id").orderBy("id").execute();
    const target = rows[10]!.id;
    // The table refuses UPDATE/DELETE; a privileged attacker would have to disable the trigger first.
    await asOwnerWithoutTriggers(() =>
      sql`update audit_events set detail = '{"i": 999}'::jsonb where id = ${target}`.execute(t.db),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: target,
      problem: expect.stringContaining("edited"),
    });

    const victim = rows[15]!.id;
    await asOwnerWithoutTriggers(async () => {
      await sql`delete from audit_anchors where audit_id <= ${target} or audit_id = ${victim}`.execute(t.db);
      await sql`delete from audit_events where id <= ${target} or id = ${victim}`.execute(t.db);
    });
    // The first surviving row points at a removed predecessor.
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("link broken"),
    });
  });

  it("catches a chain its owner rewrote and re-hashed, and one whose anchors were removed too", async () => {
    await appendMany(12);
    const rows = await t.db.selectFrom("audit_events").select("id").orderBy("id").execute();
    const target = rows[5]!.id;
    await asOwnerWithoutTriggers(() => rewriteChainFrom(target, { i: "nothing to see" }));

    // Every link and hash holds again: only the anchors, keyed outside the database, can tell.
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: target,
      problem: expect.stringContaining("anchor does not match"),
    });
    const cli = commandContext();
    expect(await auditVerify.run({} as never, cli)).toBe(1);
    expect(cli.errors.join()).toContain(`BROKEN at audit_events row id ${target}: anchor does not match`);

    // Removing the rewritten rows' anchors leaves them unanchored after anchored ones.
    await asOwnerWithoutTriggers(() =>
      sql`delete from audit_anchors where audit_id >= ${target}`.execute(t.db),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: target,
      problem: expect.stringContaining("no anchor"),
    });
    // Removing every anchor leaves an unanchored head.
    await asOwnerWithoutTriggers(() => sql`delete from audit_anchors`.execute(t.db));
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: rows.at(-1)!.id,
      problem: expect.stringContaining("newest row is not anchored"),
    });
  });

  it("refuses an anchor made under another key", async () => {
    await appendMany(3);
    expect(await verifyAuditChain(t.db, { anchorKey: "another-anchor-key-0123456789abcdef" })).toMatchObject({
      ok: false,
      problem: expect.stringContaining("anchor does not match"),
    });
  });

  it("anchors a log written before anchors existed once, and never blesses rows written around the app later", async () => {
    // Rows chained as appendAudit would, without anchors (a log from before migration 0015).
    let prev: string | null = null;
    for (let i = 0; i < 3; i++) {
      const row = {
        occurred_at: new Date(Date.UTC(2030, 0, 1, 0, i)),
        actor_type: "system",
        actor_id: null,
        action: `legacy.${i}`,
        subject_type: "test",
        subject_id: null,
        borrower_id: null,
        detail: {},
        prev_hash: prev,
      };
      prev = auditHash(row);
      await t.db
        .insertInto("audit_events")
        .values({ ...row, actor_type: "system", detail: "{}", hash: prev })
        .execute();
    }
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("newest"),
    });

    expect(await anchorUnanchoredAuditLog(t.db)).toBe(true);
    const anchored = await verifyAuditChain(t.db);
    expect(anchored).toMatchObject({ ok: true, rows: 4 });
    const marker = await t.db
      .selectFrom("audit_events")
      .select(["id", "action"])
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(marker.action).toBe("audit.anchoring_started");
    expect(anchored.ok && anchored.firstAnchoredId).toBe(marker.id);

    // A row inserted straight into the table (no anchor) stays visible; start-up does not anchor it.
    const last = await t.db
      .selectFrom("audit_events")
      .select("hash")
      .where("id", "=", marker.id)
      .executeTakeFirstOrThrow();
    const forged = {
      ...{
        occurred_at: new Date(),
        actor_type: "system",
        actor_id: null,
        action: "forged",
        subject_type: "test",
        subject_id: null,
        borrower_id: null,
        detail: {},
      },
      prev_hash: last.hash,
    };
    const forgedRow = await t.db
      .insertInto("audit_events")
      .values({ ...forged, actor_type: "system", detail: "{}", hash: auditHash(forged) })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(await anchorUnanchoredAuditLog(t.db)).toBe(false);
    expect(await verifyAuditChain(t.db)).toMatchObject({
      ok: false,
      brokenAtId: forgedRow.id,
      problem: expect.stringContaining("no anchor"),
    });
  });

  it("hashes JSON independently of key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 }),
    );
  });
});
