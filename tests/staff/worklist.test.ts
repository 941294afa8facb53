import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action, loader } from "../../app/routes/staff.work";
import { assignTask, claimTask, releaseTask, type Worklist } from "../../app/staff/worklist.server";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount } from "../support/builders";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Worklists (docs/product-rules.md §8.8) against real Postgres: claim, release and assign through the
 * service and the route, the audit rows, and the race: two agents claiming one task at the same moment
 * from two connections, exactly one winning.
 */
let t: TestDatabase;
let ann: StaffUser;
let ben: StaffUser;
let sue: StaffUser;
let gone: StaffUser;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: ann } = await enrolledStaff(t.db, "agent", { display_name: "Ann Agent" }));
  ({ user: ben } = await enrolledStaff(t.db, "agent", { display_name: "Ben Agent" }));
  ({ user: sue } = await enrolledStaff(t.db, "supervisor", { display_name: "Sue Supervisor" }));
  ({ user: gone } = await enrolledStaff(t.db, "agent", { display_name: "Gone", disabled_at: new Date() }));
});
afterAll(async () => {
  await t.destroy();
});

const me = (u: StaffUser) => ({ id: u.id, email: u.email, displayName: u.display_name, role: u.role });

async function openTask(kind: "call" | "visit" = "call") {
  const account = await insertAccount(t.db);
  return t.db
    .insertInto("tasks")
    .values({ kind, borrower_id: account.borrower_id, account_id: account.id })
    .returning("id")
    .executeTakeFirstOrThrow();
}
const ownerOf = async (taskId: string) =>
  (
    await t.db
      .selectFrom("tasks")
      .select(["assigned_to_staff_id", "claimed_at"])
      .where("id", "=", taskId)
      .executeTakeFirstOrThrow()
  ).assigned_to_staff_id;
const audits = (taskId: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["action", "actor_id", "detail"])
    .where("subject_id", "=", taskId)
    .orderBy("id")
    .execute();

describe("claiming, releasing and assigning", () => {
  it("an agent claims an unowned task, and a second claim is told who has it", async () => {
    const task = await openTask();
    expect(await claimTask(t.db, { staff: me(ann), taskId: task.id })).toEqual({ status: "ok" });
    expect(await ownerOf(task.id)).toBe(ann.id);
    expect(await claimTask(t.db, { staff: me(ben), taskId: task.id })).toEqual({
      status: "already_claimed",
      by: "Ann Agent",
    });
    // Claiming one's own again changes nothing.
    expect(await claimTask(t.db, { staff: me(ann), taskId: task.id })).toEqual({ status: "ok" });
    expect((await audits(task.id)).map((a) => [a.action, a.actor_id])).toEqual([
      ["staff.task_claimed", ann.id],
    ]);
  });

  it("only the owner (or a supervisor) releases a task", async () => {
    const task = await openTask();
    await claimTask(t.db, { staff: me(ann), taskId: task.id });
    expect(await releaseTask(t.db, { staff: me(ben), taskId: task.id })).toEqual({
      status: "refused",
      reason: "not_owner",
    });
    expect(await ownerOf(task.id)).toBe(ann.id);
    expect(await releaseTask(t.db, { staff: me(ann), taskId: task.id })).toEqual({ status: "ok" });
    expect(await ownerOf(task.id)).toBeNull();
    await claimTask(t.db, { staff: me(ben), taskId: task.id });
    expect(await releaseTask(t.db, { staff: me(sue), taskId: task.id })).toEqual({ status: "ok" });
    expect(await ownerOf(task.id)).toBeNull();
  });

  it("a supervisor assigns and reassigns to active staff only; an agent cannot assign", async () => {
    const task = await openTask();
    expect(await assignTask(t.db, { staff: me(ann), taskId: task.id, assigneeId: ben.id })).toEqual({
      status: "refused",
      reason: "not_owner",
    });
    expect(await assignTask(t.db, { staff: me(sue), taskId: task.id, assigneeId: gone.id })).toEqual({
      status: "refused",
      reason: "inactive_assignee",
    });
    expect(await assignTask(t.db, { staff: me(sue), taskId: task.id, assigneeId: ann.id })).toEqual({
      status: "ok",
    });
    expect(await assignTask(t.db, { staff: me(sue), taskId: task.id, assigneeId: ben.id })).toEqual({
      status: "ok",
    });
    expect(await ownerOf(task.id)).toBe(ben.id);
    const trail = await audits(task.id);
    expect(trail.map((a) => [a.action, a.detail])).toEqual([
      ["staff.task_assigned", { kind: "call", from: null, to: ann.id }],
      ["staff.task_assigned", { kind: "call", from: ann.id, to: ben.id }],
    ]);
  });

  it("a closed task cannot be claimed", async () => {
    const task = await openTask();
    await t.db.updateTable("tasks").set({ status: "done" }).where("id", "=", task.id).execute();
    expect(await claimTask(t.db, { staff: me(ann), taskId: task.id })).toEqual({ status: "not_found" });
  });
});

describe("two agents claiming one task at once", () => {
  it("both calls race from two connections, exactly one wins, the other hears who has it", async () => {
    const task = await openTask();
    // Hold the row so both claims are in flight together, then let them go at the same moment.
    let claims: Promise<unknown>[] = [];
    await t.db.transaction().execute(async (blocker) => {
      await blocker.selectFrom("tasks").select("id").where("id", "=", task.id).forUpdate().execute();
      claims = [ann, ben].map((u) => claimTask(t.db, { staff: me(u), taskId: task.id }));
      await waitForLockWaiters(2);
    });
    const results = (await Promise.all(claims)) as Array<{ status: string; by?: string }>;
    const winners = results.filter((r) => r.status === "ok");
    const losers = results.filter((r) => r.status === "already_claimed");
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const owner = await ownerOf(task.id);
    expect(losers[0]!.by).toBe(owner === ann.id ? "Ann Agent" : "Ben Agent");
    expect((await audits(task.id)).filter((a) => a.action === "staff.task_claimed")).toHaveLength(1);
  });

  it("many tasks raced by two agents: every task has exactly one owner and one claim audited", async () => {
    const tasks = await Promise.all(Array.from({ length: 12 }, () => openTask()));
    const results = await Promise.all(
      tasks.flatMap((task) => [ann, ben].map((u) => claimTask(t.db, { staff: me(u), taskId: task.id }))),
    );
    expect(results.filter((r) => r.status === "ok")).toHaveLength(12);
    expect(results.filter((r) => r.status === "already_claimed")).toHaveLength(12);
    for (const task of tasks) expect((await audits(task.id)).length).toBe(1);
  });

  it("through the route, the loser gets a 409 naming the winner, never a 5xx", async () => {
    const task = await openTask();
    const [annCookie, benCookie] = [await signedInCookie(t.db, ann), await signedInCookie(t.db, ben)];
    const claim = (cookie: string) =>
      outcome(() =>
        action({
          request: post("/staff/work", { intent: "claim", taskId: task.id }, cookie),
          params: {},
          context: staffContext(t.db),
        }),
      );
    const answers = await Promise.all([claim(annCookie), claim(benCookie)]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const lost = answers.find((a) => a.status === 409)!;
    expect(lost.data).toMatchObject({ error: "work.alreadyClaimed" });
  });
});

/** Waits until this many backends of the test database wait for a lock (the claims queued behind the blocker). */
async function waitForLockWaiters(n: number) {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(t.db);
    if (rows[0]!.waiting >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw ${n} claims waiting for the row`);
}

describe("the work page", () => {
  it("shows my work and the unowned tasks; a supervisor also sees the load per person", async () => {
    const mine = await openTask("visit");
    await claimTask(t.db, { staff: me(ann), taskId: mine.id });
    const page = async (u: StaffUser) => {
      const cookie = await signedInCookie(t.db, u);
      const request = get("/staff/work", cookie);
      return (await outcome(() => loader({ request, params: {}, context: staffContext(t.db) })))
        .data as Worklist;
    };
    const annPage = await page(ann);
    expect(annPage.mine.map((i) => i.id)).toContain(mine.id);
    expect(annPage.unassigned.map((i) => i.id)).not.toContain(mine.id);
    expect(annPage.team).toBeNull();
    const suePage = await page(sue);
    const load = suePage.team!.load;
    expect(load.find((l) => l.id === ann.id)!.open).toBeGreaterThanOrEqual(1);
    expect(load.map((l) => l.id)).not.toContain(gone.id);
  });
});
