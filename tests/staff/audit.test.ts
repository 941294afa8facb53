import { runSettle } from "../support/cli";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader as auditLoader } from "../../app/routes/staff.audit";
import { auditVerify } from "../../app/cli/commands/audit-verify";
import { staffCreate } from "../../app/cli/commands/staff-create";
import type { CommandContext } from "../../app/cli/command";
import { parseCommandLine } from "../../app/cli/settle";
import { UsageError } from "../../app/cli/command";
import { config } from "../../app/platform/config.server";
import { appendAudit } from "../../app/platform/audit.server";
import { AUDIT_PAGE_SIZE, type AuditRowView } from "../../app/staff/audit-log.server";
import { verifyPassword } from "../../app/staff/auth.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertBorrower } from "../support/builders";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let adminCookie: string;
let agentCookie: string;
let borrowerId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  adminCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "admin")).user);
  agentCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "agent")).user);
  borrowerId = (await insertBorrower(t.db)).id;
  // Known history: 60 events on one borrower over three days (HK time), plus some elsewhere.
  for (let i = 0; i < 60; i++) {
    const day = 10 + (i % 3);
    await appendAudit(
      t.db,
      {
        actorType: "system",
        action: i % 2 ? "test.even" : "test.odd",
        subjectType: "borrower",
        subjectId: borrowerId,
        borrowerId,
      },
      new Date(`2030-04-${day}T04:00:00Z`),
    );
  }
  await appendAudit(
    t.db,
    { actorType: "system", action: "other.event", subjectType: "system" },
    new Date("2030-04-11T04:00:00Z"),
  );
});
afterAll(async () => {
  await t.destroy();
});

type Page = { rows: AuditRowView[]; nextBefore: number | null; ignored: string[] };
const view = async (query: string, cookie = adminCookie) =>
  outcome(() =>
    auditLoader({ request: get(`/staff/audit${query}`, cookie), params: {}, context: staffContext(t.db) }),
  );

describe("audit log viewer", () => {
  it("is for admins only", async () => {
    expect((await view("", agentCookie)).status).toBe(403);
    expect((await view("")).status).toBe(200);
  });

  it("filters by borrower, action prefix and local dates, newest first, paged by id", async () => {
    const first = (await view(`?borrower=${borrowerId}`)).data as Page;
    expect(first.rows).toHaveLength(AUDIT_PAGE_SIZE);
    expect(first.rows.every((r) => r.borrowerId === borrowerId)).toBe(true);
    const ids = first.rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(first.nextBefore).toBe(ids.at(-1));
    const second = (await view(`?borrower=${borrowerId}&before=${first.nextBefore}`)).data as Page;
    // 60 test events plus the audit views of this borrower-filtered log itself (these carry the borrower id too).
    expect(second.rows.every((r) => r.id < first.nextBefore!)).toBe(true);
    expect(
      second.rows.filter((r) => r.action.startsWith("test.")).length +
        first.rows.filter((r) => r.action.startsWith("test.")).length,
    ).toBe(60);

    const odd = (await view("?action=test.odd")).data as Page;
    expect(odd.rows).toHaveLength(30);
    const day = (await view("?action=test.&from=2030-04-11&to=2030-04-11")).data as Page;
    expect(day.rows).toHaveLength(20);
    const range = (await view("?action=test.&from=2030-04-11")).data as Page;
    expect(range.rows).toHaveLength(40);
  });

  it("ignores (and says so) filter values that are not valid, instead of failing", async () => {
    const o = await view("?action=%25&borrower=nope&from=2030-13-45");
    expect(o.status).toBe(200);
    expect((o.data as Page).ignored.sort()).toEqual(["action", "borrower", "from"]);
  });

  it("audits each look at the log", async () => {
    const before = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "staff.viewed_audit_log")
      .execute();
    await view("?action=test.odd");
    const after = await t.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "staff.viewed_audit_log")
      .orderBy("id", "desc")
      .execute();
    expect(after.length).toBe(before.length + 1);
    expect(after[0]!.detail).toMatchObject({ filter: { action: "test.odd" } });
  });
});

function commandContext(): CommandContext & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    cfg: config(),
    database: async () => ({ db: t.db, pool: t.pool, close: async () => {} }),
    prepareDatabase: async () => [],
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    lines,
    errors,
  };
}

describe("npm run settle -- staff:create", () => {
  it("creates a user with a one-time password shown once, and refuses duplicates", async () => {
    const ctx = commandContext();
    const { args } = parseCommandLine([
      "staff:create",
      "--email",
      "New.Agent@Bank.Example",
      "--role",
      "agent",
      "--name",
      "New Agent",
    ]);
    expect(await staffCreate.run(args as never, ctx)).toBeUndefined();
    const password = ctx.lines.join("\n").match(/One-time password \(shown only now\): (\S+)/)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(ctx.lines.join("\n")).toContain("/staff/login");
    const user = await t.db
      .selectFrom("staff_users")
      .selectAll()
      .where("email", "=", "new.agent@bank.example")
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: "agent", display_name: "New Agent", totp_enabled_at: null });
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.password_hash, password!)).toBe(true);
    expect(
      await t.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", "staff.created")
        .where("subject_id", "=", user.id)
        .execute(),
    ).toHaveLength(1);

    const again = commandContext();
    expect(await staffCreate.run(args as never, again)).toBe(1);
    expect(again.errors.join()).toContain("already exists");
  });

  it("rejects a bad email or role as a usage error (exit 2)", () => {
    expect(() => parseCommandLine(["staff:create", "--email", "not-an-email", "--role", "agent"])).toThrow(
      UsageError,
    );
    expect(() => parseCommandLine(["staff:create", "--email", "a@b.example", "--role", "root"])).toThrow(
      /must be one of agent, approver, supervisor, admin/,
    );
    expect(() => parseCommandLine(["staff:create", "--role", "agent"])).toThrow(UsageError);
    const real = runSettle(["staff:create", "--email", "x@y.example", "--role", "superuser"]);
    expect(real.status).toBe(2);
    expect(real.stderr).toContain("Usage: npm run settle -- staff:create");
  });
});

describe("npm run settle -- audit:verify", () => {
  it("prints OK with the row count, then finds a tampered row and exits 1", async () => {
    const ok = commandContext();
    expect(await auditVerify.run({} as never, ok)).toBe(0);
    const total = (await t.db.selectFrom("audit_events").select("id").execute()).length;
    expect(ok.lines[0]).toBe(`OK: audit chain intact (${total} rows)`);
    expect(ok.lines[1]).toMatch(/^Head: row \d+, anchor [0-9a-f]{64}; anchored from row \d+$/);

    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" };
    const realOk = runSettle(["audit:verify"], { env });
    expect(realOk.status).toBe(0);
    expect(realOk.stdout).toContain(`OK: audit chain intact (${total} rows)`);

    const victim = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "test.odd")
      .orderBy("id")
      .offset(3)
      .limit(1)
      .executeTakeFirstOrThrow();
    // The table refuses UPDATE; someone tampering would have to switch the trigger off first.
    await sql`alter table audit_events disable trigger user`.execute(t.db);
    await sql`update audit_events set action = 'test.nothing_to_see' where id = ${victim.id}`.execute(t.db);
    await sql`alter table audit_events enable trigger user`.execute(t.db);

    const broken = commandContext();
    expect(await auditVerify.run({} as never, broken)).toBe(1);
    expect(broken.errors.join()).toContain(`BROKEN at audit_events row id ${victim.id}`);
    const realBroken = runSettle(["audit:verify"], { env });
    expect(realBroken.status).toBe(1);
    expect(realBroken.stderr).toContain(`row id ${victim.id}`);
  });
});
