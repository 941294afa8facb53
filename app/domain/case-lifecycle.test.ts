import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CaseType } from "../../db/schema";
import {
  CASE_ACTIONS,
  allowedCaseActions,
  caseClocks,
  caseStatesFor,
  closesCase,
  isOpenCase,
  nextCaseState,
  workingDaysAfter,
  type CaseAction,
  type CaseState,
} from "./case-lifecycle";

const SLA = { complaintAckWorkingDays: 5, complaintResponseDays: 56, hardshipReviewDays: 10 };

describe("case lifecycle", () => {
  it("walks a complaint through acknowledgement, a question to the borrower and resolution", () => {
    let s: CaseState = "open";
    for (const a of ["acknowledge", "await_borrower", "resume", "resolve"] as const)
      s = nextCaseState("complaint", s, a) ?? s;
    expect(s).toBe("resolved");
  });

  it("rejects only hardship, never a complaint, and never before it was taken up", () => {
    expect(nextCaseState("hardship", "in_progress", "reject")).toBe("rejected");
    expect(nextCaseState("complaint", "in_progress", "reject")).toBeNull();
    expect(nextCaseState("hardship", "open", "reject")).toBeNull();
    expect(nextCaseState("complaint", "open", "resolve")).toBeNull();
  });

  it("closed cases allow nothing", () => {
    expect(allowedCaseActions("hardship", "resolved")).toEqual([]);
    expect(allowedCaseActions("hardship", "rejected")).toEqual([]);
    expect(allowedCaseActions("complaint", "resolved")).toEqual([]);
  });

  it("property: no sequence of actions reaches an illegal state", () => {
    const type = fc.constantFrom<CaseType>("hardship", "complaint");
    const actions = fc.array(fc.constantFrom<CaseAction>(...CASE_ACTIONS), { maxLength: 30 });
    fc.assert(
      fc.property(type, actions, (t, seq) => {
        let state: CaseState = "open";
        let acknowledged = false;
        let answered = false;
        for (const action of seq) {
          const next = nextCaseState(t, state, action);
          // Refused actions change nothing; a closed case refuses everything.
          if (next === null) continue;
          expect(isOpenCase(state)).toBe(true);
          if (action === "acknowledge") acknowledged = true;
          if (closesCase(action)) answered = true;
          state = next;
          expect(caseStatesFor(t)).toContain(state);
          if (state !== "open") expect(acknowledged).toBe(true);
          expect(isOpenCase(state)).toBe(!answered);
        }
      }),
    );
  });
});

describe("SLA clocks", () => {
  const zone = "Asia/Hong_Kong";
  it("counts working days in the borrower's zone, skipping the weekend", () => {
    // Friday 2026-12-04 10:00 HKT: five working days later is the end of Friday 2026-12-11.
    const filed = new Date("2026-12-04T02:00:00Z");
    expect(workingDaysAfter(filed, 5, zone).toISOString()).toBe("2026-12-11T16:00:00.000Z");
    // Saturday counts from Monday.
    expect(workingDaysAfter(new Date("2026-12-05T02:00:00Z"), 1, zone).toISOString()).toBe(
      "2026-12-07T16:00:00.000Z",
    );
  });

  it("a complaint's clocks: acknowledged in 5 working days, answered in 8 weeks", () => {
    const createdAt = new Date("2026-12-04T02:00:00Z");
    const times = {
      type: "complaint" as const,
      createdAt,
      acknowledgedAt: null,
      respondedAt: null,
      timeZone: zone,
    };
    const [ack, respond] = caseClocks(times, SLA, new Date("2026-12-11T15:59:59Z"));
    expect([ack!.breached, respond!.breached]).toEqual([false, false]);
    expect(respond!.due.toISOString()).toBe("2027-01-29T02:00:00.000Z");
    expect(caseClocks(times, SLA, new Date("2026-12-11T16:00:01Z"))[0]!.breached).toBe(true);
    // Met in time stays met, however late it is now.
    const met = { ...times, acknowledgedAt: new Date("2026-12-10T00:00:00Z") };
    expect(caseClocks(met, SLA, new Date("2027-06-01T00:00:00Z"))[0]!.breached).toBe(false);
  });

  it("a hardship report is reviewed within 10 days", () => {
    const createdAt = new Date("2026-12-01T00:00:00Z");
    const times = {
      type: "hardship" as const,
      createdAt,
      acknowledgedAt: null,
      respondedAt: null,
      timeZone: zone,
    };
    expect(caseClocks(times, SLA, new Date("2026-12-10T23:59:59Z"))[0]!.breached).toBe(false);
    expect(caseClocks(times, SLA, new Date("2026-12-11T00:00:01Z"))[0]!.breached).toBe(true);
  });
});
