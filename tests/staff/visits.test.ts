import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { createInstance } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { i18nConfig } from "../../app/i18n/config";
import { action, loader } from "../../app/routes/staff.borrowers.$borrowerId";
import type { BorrowerWorkspace } from "../../app/staff/borrower-workspace.server";
import { filterOf } from "../../app/staff/timeline";
import { Timeline } from "../../app/staff/ui/Timeline";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Visits and whose the phone is, through the borrower page's route (docs/product-rules.md §4.19, §4.20):
 * the agent's forms post to the console's action, which checks the role, validates, records and audits.
 */
let t: TestDatabase;
let agentCookie: string;
let approverCookie: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const agent = await enrolledStaff(t.db, "agent");
  agentCookie = await signedInCookie(t.db, agent.user);
  const approver = await enrolledStaff(t.db, "approver");
  approverCookie = await signedInCookie(t.db, approver.user);
});
afterAll(async () => {
  await t.destroy();
});

async function borrowerWithVisitTask() {
  const borrower = await insertBorrower(t.db, {
    address_line1: "8 Harbour Road",
    address_city: "Wan Chai",
    address_country: "HK",
  });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd: 70 });
  const task = await t.db
    .insertInto("tasks")
    .values({ kind: "visit", borrower_id: borrower.id, account_id: account.id, reason: "escalated_refused" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { borrower, account, task };
}

const act = (borrowerId: string, form: Record<string, string>, cookie = agentCookie) =>
  outcome(() =>
    action({
      request: post(`/staff/borrowers/${borrowerId}`, form, cookie),
      params: { borrowerId },
      context: staffContext(t.db),
    }),
  );

describe("visits on the borrower page", () => {
  it("shows a visit task with its address, and records its outcome with notes through the console action", async () => {
    const { borrower, account, task } = await borrowerWithVisitTask();
    const page = await outcome(() =>
      loader({
        request: get(`/staff/borrowers/${borrower.id}`, agentCookie),
        params: { borrowerId: borrower.id },
        context: staffContext(t.db),
      }),
    );
    const view = page.data as BorrowerWorkspace;
    expect(view.openTasks.find((o) => o.id === task.id)).toMatchObject({
      kind: "visit",
      address: "8 Harbour Road, Wan Chai, HK",
      reason: "escalated_refused",
    });
    // An unknown outcome is a 400 that writes nothing; an approver may not record visits at all.
    expect(
      (await act(borrower.id, { intent: "log_visit", taskId: task.id, outcome: "abducted" })).status,
    ).toBe(400);
    expect(
      (await act(borrower.id, { intent: "log_visit", taskId: task.id, outcome: "met" }, approverCookie))
        .status,
    ).toBe(403);
    expect(await t.db.selectFrom("visit_attempts").select("id").execute()).toEqual([]);
    const done = await act(borrower.id, {
      intent: "log_visit",
      taskId: task.id,
      outcome: "promise_made",
      notes: "Will pay on Friday.",
    });
    expect(done.status).toBe(303);
    expect(done.location).toBe(
      `/staff/borrowers/${borrower.id}?done=log_visit&promiseFor=${account.id}#make-promise-title`,
    );
    const visits = await t.db
      .selectFrom("visit_attempts")
      .select(["outcome", "notes"])
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(visits).toEqual([{ outcome: "promise_made", notes: "Will pay on Friday." }]);
  });

  it("staff record that the borrower refuses visits, and whose the number is, audited", async () => {
    const { borrower } = await borrowerWithVisitTask();
    expect((await act(borrower.id, { intent: "refuse_visits" })).status).toBe(303);
    expect((await act(borrower.id, { intent: "set_phone_owner", phoneOwner: "nobody" })).status).toBe(400);
    expect((await act(borrower.id, { intent: "set_phone_owner", phoneOwner: "unknown" })).status).toBe(303);
    const row = await t.db
      .selectFrom("borrowers as b")
      .innerJoin("contact_preferences as p", "p.borrower_id", "b.id")
      .select(["b.phone_owner", "p.visit_allowed"])
      .where("b.id", "=", borrower.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ phone_owner: "unknown", visit_allowed: false });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrower.id)
      .where("action", "in", ["staff.visits_refused", "staff.phone_owner_set"])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["staff.visits_refused", "staff.phone_owner_set"]);
  });
});

async function pageOf(borrowerId: string, query = "") {
  const page = await outcome(() =>
    loader({
      request: get(`/staff/borrowers/${borrowerId}${query}`, agentCookie),
      params: { borrowerId },
      context: staffContext(t.db),
    }),
  );
  expect(page.status).toBe(200);
  return page.data as BorrowerWorkspace;
}

async function render(entries: BorrowerWorkspace["timeline"], lng: string) {
  const staff = (await import(`../../locales/${lng}/staff.json`)).default;
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({
    ...i18nConfig,
    lng,
    ns: ["staff"],
    defaultNS: "staff",
    resources: { [lng]: { staff } },
  });
  return renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(Timeline, { entries })));
}

describe("visit outcomes on the borrower timeline", () => {
  it("each recorded visit shows its outcome, who recorded it and the notes, under the visits filter, in three languages", async () => {
    const { borrower, account, task } = await borrowerWithVisitTask();
    const second = await t.db
      .insertInto("tasks")
      .values({ kind: "visit", borrower_id: borrower.id, account_id: account.id, reason: "stage_visit" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const notes = "Neighbour said <b>away</b> until May.";
    expect(
      (await act(borrower.id, { intent: "log_visit", taskId: task.id, outcome: "not_home", notes })).status,
    ).toBe(303);
    expect((await act(borrower.id, { intent: "log_visit", taskId: second.id, outcome: "met" })).status).toBe(
      303,
    );

    const visits = (await pageOf(borrower.id)).timeline.filter((e) => e.kind === "visit");
    expect(visits).toHaveLength(2);
    expect(visits.map((v) => v.kind === "visit" && [v.outcome, v.author, v.notes, v.accountLast4])).toEqual(
      expect.arrayContaining([
        ["not_home", "Test agent", notes, account.last4],
        ["met", "Test agent", null, account.last4],
      ]),
    );
    expect(visits.every((v) => filterOf(v) === "visits")).toBe(true);
    // The visits filter shows them (with the closed visit tasks); the texts filter does not.
    const onlyVisits = await pageOf(borrower.id, "?show=visits");
    expect(onlyVisits.timeline.filter((e) => e.kind === "visit")).toHaveLength(2);
    expect(
      (await pageOf(borrower.id, "?show=texts")).timeline.filter((e) => e.kind === "visit"),
    ).toHaveLength(0);

    const en = await render(visits, "en");
    expect(en).toContain("Visit");
    expect(en).toContain("Not at home");
    expect(en).toContain("Met the borrower");
    expect(en).toContain("by Test agent");
    // Staff free text is escaped, never HTML.
    expect(en).toContain("Neighbour said &lt;b&gt;away&lt;/b&gt; until May.");
    expect(en).not.toContain("<b>away</b>");
    const hk = await render(visits, "zh-HK");
    expect(hk).toContain("上門拜訪");
    expect(hk).toContain("不在家");
    const cn = await render(visits, "zh-CN");
    expect(cn).toContain("上门拜访");
    expect(cn).toContain("已与借款人会面");
  });
});
