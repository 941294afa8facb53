import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "../../db/schema";
import { action, loader } from "../../app/routes/staff.borrowers.$borrowerId_.settlements";
import { action as policyAction } from "../../app/routes/staff.settlement-policy";
import { loader as portalLoader } from "../../app/routes/account.settlement";
import { settlementPolicyValues } from "../../app/staff/settlement-policy-form";
import { DEFAULT_SETTLEMENT_POLICY } from "../../app/domain/settlement";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedInBorrower } from "../support/signed-in-borrower";
import { getRequest, run } from "../portal/action-helpers";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Staff settlements (issue #21 item 5, docs/product-rules.md §7.10): a proposal outside the bands needs
 * another person's approval before the borrower sees it; bad input gets field errors and writes nothing;
 * the settlement policy is saved as versions.
 */
let t: TestDatabase;
const cookies = new Map<string, string>();
const ids = new Map<string, string>();
beforeAll(async () => {
  t = await createTestDatabase();
  for (const [name, role] of [
    ["agent", "agent"],
    ["approver", "approver"],
    ["supervisor", "supervisor"],
    ["supervisor2", "supervisor"],
  ] as Array<[string, StaffRole]>) {
    const { user } = await enrolledStaff(t.db, role);
    ids.set(name, user.id);
    cookies.set(name, await signedInCookie(t.db, user));
  }
});
afterAll(async () => t?.destroy());

const path = (borrowerId: string) => `/staff/borrowers/${borrowerId}/settlements`;
const act = (who: string, borrowerId: string, form: Record<string, string>) =>
  outcome(() =>
    action({
      request: post(path(borrowerId), form, cookies.get(who)),
      params: { borrowerId },
      context: staffContext(t.db),
    } as never),
  );

async function settlementsOf(accountId: string) {
  return t.db.selectFrom("settlements").selectAll().where("account_id", "=", accountId).execute();
}

/** 30 days past due: below every default band, so only staff can offer a settlement. */
const outsideBand = () => signedInBorrower(t.db, { dpd: 30, balance_minor: 600_000 });

const proposal = (accountId: string) => ({
  intent: "propose",
  accountId,
  discountPercent: "12.5",
  paymentCount: "2",
  windowDays: "30",
  validityDays: "10",
  reason: "Customer lost job; family can lend 75%.",
});

describe("staff settlement proposals", () => {
  it("an agent proposes, the proposer cannot approve it, another person approves, then the borrower sees it", async () => {
    const b = await outsideBand();
    const portal = () => run(portalLoader, getRequest("/account/settlement", b.cookie), t.db);
    expect((await portal()).data.settlement).toBeNull();

    const proposed = await act("agent", b.account.borrower_id, proposal(b.account.id));
    expect(proposed).toMatchObject({ status: 303 });
    const [row] = await settlementsOf(b.account.id);
    expect(row).toMatchObject({ status: "pending_approval", agreed_minor: 525_000, payment_counts: [2] });
    // Not visible to the borrower until approved.
    expect((await portal()).data.settlement).toBeNull();

    const decide = { intent: "approve", settlementId: row!.id, reason: "Within hardship mandate." };
    // A supervisor who proposed is refused their own; an agent may not approve at all.
    const own = await act("supervisor", b.account.borrower_id, proposal(b.account.id));
    expect(own.status).toBe(409); // one open settlement per account
    const agentTry = await outcome(() =>
      action({
        request: post(path(b.account.borrower_id), decide, cookies.get("agent")),
        params: { borrowerId: b.account.borrower_id },
        context: staffContext(t.db),
      } as never),
    );
    expect(agentTry.status).toBe(403);
    expect((await settlementsOf(b.account.id))[0]!.status).toBe("pending_approval");

    expect(await act("approver", b.account.borrower_id, decide)).toMatchObject({ status: 303 });
    const approved = (await settlementsOf(b.account.id))[0]!;
    expect(approved).toMatchObject({ status: "offered", decided_by_staff_id: ids.get("approver") });
    expect((await portal()).data.settlement).toMatchObject({ status: "offered", agreedMinor: 525_000 });

    const audits = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", row!.id)
      .orderBy("id")
      .execute();
    expect(audits.map((a) => a.action)).toEqual(["settlement.proposed", "settlement.offered"]);
  });

  it("refuses self-approval by a supervisor who proposed", async () => {
    const b = await outsideBand();
    await act("supervisor", b.account.borrower_id, proposal(b.account.id));
    const [row] = await settlementsOf(b.account.id);
    const self = await act("supervisor", b.account.borrower_id, {
      intent: "approve",
      settlementId: row!.id,
      reason: "ok",
    });
    expect(self).toMatchObject({ status: 409, data: { errors: { _form: ["staff.errors.own_proposal"] } } });
    expect((await settlementsOf(b.account.id))[0]!.status).toBe("pending_approval");
    expect(
      await act("supervisor2", b.account.borrower_id, {
        intent: "reject",
        settlementId: row!.id,
        reason: "No.",
      }),
    ).toMatchObject({ status: 303 });
    expect((await settlementsOf(b.account.id))[0]!).toMatchObject({
      status: "rejected",
      decision_reason: "No.",
    });
  });

  it("bad input gets field errors and writes nothing", async () => {
    const b = await outsideBand();
    const bad = await act("agent", b.account.borrower_id, {
      ...proposal(b.account.id),
      discountPercent: "95",
      paymentCount: "0",
      windowDays: "abc",
      reason: " ",
    });
    expect(bad.status).toBe(400);
    expect((bad.data as { errors: Record<string, string[]> }).errors).toEqual({
      discountPercent: ["staff.fieldPercent"],
      paymentCount: ["staff.fieldNumber"],
      windowDays: ["staff.fieldNumber"],
      reason: ["staff.fieldReason"],
    });
    expect(await settlementsOf(b.account.id)).toEqual([]);
  });

  it("the panel view is audited as a view of the borrower", async () => {
    const b = await outsideBand();
    const view = await outcome(() =>
      loader({
        request: get(path(b.account.borrower_id), cookies.get("approver")),
        params: { borrowerId: b.account.borrower_id },
        context: staffContext(t.db),
      } as never),
    );
    expect(view.status).toBe(200);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "detail"])
      .where("borrower_id", "=", b.account.borrower_id)
      .where("action", "=", "staff.viewed_borrower")
      .executeTakeFirst();
    expect(audit?.detail).toMatchObject({ via: "settlements" });
  });
});

describe("settlement policy editor", () => {
  const save = (form: Record<string, string>) =>
    outcome(() =>
      policyAction({
        request: post("/staff/settlement-policy", form, cookies.get("supervisor")),
        params: {},
        context: staffContext(t.db),
      } as never),
    );

  it("saves a new version, and an offer then follows the new band", async () => {
    const values = {
      ...settlementPolicyValues(DEFAULT_SETTLEMENT_POLICY),
      "band.1.product": "personal_loan",
      "band.1.currency": "HKD",
      "band.1.minDpd": "30",
      "band.1.maxDiscountPercent": "10",
      "band.1.paymentCounts": "1",
      "band.1.windowDays": "0",
      "band.1.validityDays": "7",
    };
    expect(await save({ ...values, intent: "save", baseVersion: "0" })).toMatchObject({ status: 303 });
    const stale = await save({ ...values, intent: "save", baseVersion: "0" });
    expect(stale.status).toBe(409);
    const b = await signedInBorrower(t.db, { dpd: 35, product: "personal_loan", balance_minor: 100_000 });
    const page = await run(portalLoader, getRequest("/account/settlement", b.cookie), t.db);
    expect(page.data.settlement).toMatchObject({ agreedMinor: 90_000, paymentCounts: [1] });
    const versions = await t.db.selectFrom("settlement_policies").select(["version", "active"]).execute();
    expect(versions).toEqual([{ version: 1, active: true }]);
  });

  it("refuses a bad band with field errors and saves nothing", async () => {
    const before = await t.db.selectFrom("settlement_policies").select("id").execute();
    const bad = await save({
      intent: "save",
      baseVersion: "1",
      graceDays: "7",
      "band.0.product": "any",
      "band.0.currency": "any",
      "band.0.minDpd": "90",
      "band.0.maxDiscountPercent": "150",
      "band.0.paymentCounts": "1, x",
      "band.0.windowDays": "60",
      "band.0.validityDays": "14",
    });
    expect(bad.status).toBe(400);
    expect((bad.data as { errors: Record<string, string[]> }).errors).toMatchObject({
      "band.0.maxDiscountPercent": ["staff.fieldPercent"],
      "band.0.paymentCounts": ["staff.fieldCounts"],
    });
    expect(await t.db.selectFrom("settlement_policies").select("id").execute()).toEqual(before);
  });
});
