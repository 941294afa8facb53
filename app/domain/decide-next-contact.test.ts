import { describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from "./contact-policy";
import {
  decideNextContact,
  InvalidContactInput,
  nextPermittedTime,
  REASON_CODES,
  sendConstraintsFor,
  type ContactInput,
} from "./decide-next-contact";

const T = (iso: string) => new Date(iso);

/** Builder: a delinquent HK account, 10 days past due, on 2025-06-10 at 11:00 Hong Kong time. */
function build(...patches: ((i: ContactInput) => void)[]): ContactInput {
  const input: ContactInput = {
    now: T("2025-06-10T03:00:00Z"),
    account: {
      status: "delinquent",
      dpd: 10,
      dueDate: "2025-05-31",
      balanceMinor: 500_00,
      overdueMinor: 200_00,
      wrongNumber: false,
      dispute: false,
    },
    borrower: { timeZone: "Asia/Hong_Kong", jurisdiction: "HK", breathingSpaceUntil: null },
    preferences: {
      smsAllowed: true,
      smsOptedOut: false,
      windowStart: null,
      windowEnd: null,
      maxPerWeek: null,
    },
    history: { accountSmsSentAt: [], borrowerSmsSentAt: [], lastStageSent: null },
    promise: null,
    plan: null,
    hardship: null,
  };
  for (const patch of patches) patch(input);
  return input;
}

function withPolicy(edit: (p: ContactPolicy) => void): ContactPolicy {
  const p = structuredClone(DEFAULT_CONTACT_POLICY);
  edit(p);
  return p;
}

type Patch = (i: ContactInput) => void;
const decideWith = (policy: ContactPolicy, ...patches: Patch[]) =>
  decideNextContact(build(...patches), policy);
const decide = (...patches: Patch[]) => decideWith(DEFAULT_CONTACT_POLICY, ...patches);
const sent = (i: ContactInput, ...at: Date[]) => {
  i.history.accountSmsSentAt.push(...at);
  i.history.borrowerSmsSentAt.push(...at);
};
const HK_NEXT_MORNING = T("2025-06-11T01:00:00Z"); // 09:00 HKT

describe("decideNextContact: precedence (docs/product-rules.md §4.3)", () => {
  it("sends the stage for today's dpd when nothing objects", () => {
    expect(decide()).toEqual({
      action: "send",
      channel: "sms",
      stage: "mid",
      template: "mid",
      at: T("2025-06-10T03:00:00Z"),
      reason: "send_due",
      escalation: "none",
    });
  });

  it("1. closed or paid (or nothing owed) suppresses before anything else", () => {
    const everythingElse = (i: ContactInput) =>
      Object.assign(i.account, { wrongNumber: true, dispute: true });
    expect(decide(everythingElse, (i) => (i.account.status = "closed"))).toEqual({
      action: "suppress",
      reason: "account_closed",
    });
    expect(decide(everythingElse, (i) => (i.account.status = "paid"))).toEqual({
      action: "suppress",
      reason: "account_paid",
    });
    expect(decide(everythingElse, (i) => (i.account.balanceMinor = 0))).toEqual({
      action: "suppress",
      reason: "account_paid",
    });
  });

  it("2. a wrong-number or dispute flag suppresses, ahead of preferences", () => {
    const optedOut = (i: ContactInput) => (i.preferences.smsOptedOut = true);
    expect(decide(optedOut, (i) => (i.account.wrongNumber = true))).toEqual({
      action: "suppress",
      reason: "wrong_number",
    });
    expect(decide(optedOut, (i) => (i.account.dispute = true))).toEqual({
      action: "suppress",
      reason: "dispute",
    });
  });

  it("3. an opted-out or disallowed channel suppresses, ahead of pauses", () => {
    const paused = (i: ContactInput) => (i.hardship = { pauseUntil: T("2025-07-01T00:00:00Z") });
    expect(decide(paused, (i) => (i.preferences.smsOptedOut = true))).toEqual({
      action: "suppress",
      reason: "sms_opted_out",
    });
    expect(decide(paused, (i) => (i.preferences.smsAllowed = false))).toEqual({
      action: "suppress",
      reason: "sms_not_allowed",
    });
  });

  it("4. a hardship pause defers to the first permitted time after it ends", () => {
    const d = decide((i) => {
      i.hardship = { pauseUntil: T("2025-07-01T00:00:00Z") }; // 08:00 HKT, inside quiet hours
      i.plan = { status: "proposed", inGoodStanding: true };
      i.promise = { promisedDate: "2025-06-12", status: "active" };
    });
    expect(d).toEqual({ action: "defer", reason: "hardship_pause", until: T("2025-07-01T01:00:00Z") });
    expect(decide((i) => (i.hardship = { pauseUntil: T("2025-06-01T00:00:00Z") })).action).toBe("send");
    expect(decide((i) => (i.hardship = { pauseUntil: null })).action).toBe("send");
  });

  it("5. UK Breathing Space defers until the moratorium ends, ahead of plans", () => {
    const d = decide((i) => {
      i.borrower = {
        timeZone: "Europe/London",
        jurisdiction: "UK",
        breathingSpaceUntil: T("2025-08-01T12:00:00Z"),
      };
      i.plan = { status: "countered", inGoodStanding: true };
    });
    expect(d).toEqual({ action: "defer", reason: "breathing_space", until: T("2025-08-01T12:00:00Z") }); // 13:00 BST
  });

  it("6. a plan under review defers to a re-check the next day", () => {
    for (const status of ["proposed", "countered"] as const) {
      expect(decide((i) => (i.plan = { status, inGoodStanding: false }))).toEqual({
        action: "defer",
        reason: "plan_under_review",
        until: HK_NEXT_MORNING,
      });
    }
  });

  it("7. a plan in good standing sends only instalment-due reminders, inside the pre-due window", () => {
    const inForce = (due: string | null) => (i: ContactInput) =>
      (i.plan = { status: "active", nextInstalmentDueDate: due, inGoodStanding: true });
    expect(decide(inForce("2025-06-12"))).toMatchObject({
      action: "send",
      stage: "pre_due",
      template: "instalment_due",
      escalation: "none",
    });
    expect(decide(inForce("2025-06-20"))).toEqual({
      action: "defer",
      reason: "plan_active",
      stage: "pre_due",
      until: T("2025-06-17T01:00:00Z"),
    });
    expect(decide(inForce("2025-06-10"))).toEqual({
      action: "defer",
      reason: "plan_active",
      until: HK_NEXT_MORNING,
    });
    expect(decide(inForce(null))).toEqual({ action: "defer", reason: "plan_active", until: HK_NEXT_MORNING });
    // One reminder per instalment: already sent yesterday inside the window.
    const again = decide((i) => {
      inForce("2025-06-12")(i);
      i.history.lastStageSent = { stage: "pre_due", at: T("2025-06-09T02:00:00Z") };
    });
    expect(again).toEqual({
      action: "defer",
      reason: "plan_active",
      stage: "pre_due",
      until: T("2025-06-12T01:00:00Z"),
    });
    // Approved counts as in force; a plan in arrears falls back to the collection cadence.
    expect(
      decide(
        (i) => (i.plan = { status: "approved", nextInstalmentDueDate: "2025-06-20", inGoodStanding: true }),
      ).reason,
    ).toBe("plan_active");
    expect(
      decide(
        (i) => (i.plan = { status: "active", nextInstalmentDueDate: "2025-06-20", inGoodStanding: false }),
      ),
    ).toMatchObject({
      action: "send",
      template: "mid",
    });
  });

  it("8. an active promise defers until the end of its grace days in the borrower's zone", () => {
    const promise = (status: "active" | "kept" | "broken") => (i: ContactInput) =>
      (i.promise = { promisedDate: "2025-06-12", status });
    // 2025-06-12 + 2 days grace ends at 2025-06-15 00:00 HKT; first permitted time 09:00 HKT.
    expect(decide(promise("active"))).toEqual({
      action: "defer",
      reason: "promise_pending",
      until: T("2025-06-15T01:00:00Z"),
    });
    expect(decide(promise("kept")).action).toBe("send");
    expect(decide(promise("broken")).action).toBe("send");
    expect(decide(promise("active"), (i) => (i.now = T("2025-06-15T01:00:00Z"))).action).toBe("send");
    // It also holds back an instalment reminder.
    const both = decide((i) => {
      promise("active")(i);
      i.plan = { status: "active", nextInstalmentDueDate: "2025-06-12", inGoodStanding: true };
    });
    expect(both).toMatchObject({ action: "defer", reason: "promise_pending", stage: "pre_due" });
  });

  it("9. cadence: within a stage, wait everyDays local calendar days (or for the next stage)", () => {
    const lastMid = (at: string) => (i: ContactInput) =>
      (i.history.lastStageSent = { stage: "mid", at: T(at) });
    expect(decide(lastMid("2025-06-07T02:00:00Z"))).toEqual({
      action: "defer",
      reason: "cadence_not_due",
      stage: "mid",
      until: T("2025-06-12T01:00:00Z"),
    });
    expect(decide(lastMid("2025-06-05T02:00:00Z")).action).toBe("send");
    // dpd 28: mid's next slot (day 5) is after late starts (dpd 30, two days on).
    expect(decide(lastMid("2025-06-09T02:00:00Z"), (i) => (i.account.dpd = 28))).toMatchObject({
      reason: "cadence_not_due",
      until: T("2025-06-12T01:00:00Z"),
    });
    // A new stage is due at once.
    expect(
      decide((i) => (i.history.lastStageSent = { stage: "early", at: T("2025-06-08T02:00:00Z") })),
    ).toMatchObject({
      action: "send",
      stage: "mid",
    });
  });

  it("9. a current account waits for D-3 of its due date (not_yet_due), then walks pre_due and due", () => {
    const current = (dueDate: string) => (i: ContactInput) =>
      Object.assign(i.account, { status: "current", dpd: 0, dueDate, overdueMinor: 0 });
    expect(decide(current("2025-06-20"))).toEqual({
      action: "defer",
      reason: "not_yet_due",
      stage: "pre_due",
      until: T("2025-06-17T01:00:00Z"),
    });
    expect(decide(current("2025-06-13"))).toMatchObject({
      action: "send",
      stage: "pre_due",
      template: "pre_due",
    });
    expect(decide(current("2025-06-10"))).toMatchObject({ action: "send", stage: "due" });
    expect(decide(current("2025-06-09"))).toEqual({
      action: "defer",
      reason: "not_yet_due",
      until: HK_NEXT_MORNING,
    });
  });

  it("9. no stage for this dpd: wait for the next stage, or re-check daily past the last one", () => {
    const gappy = withPolicy((p) => {
      p.stages = p.stages.filter((s) => s.id !== "mid");
      p.stages[p.stages.length - 1]!.toDpd = 90;
    });
    expect(decideWith(gappy)).toEqual({
      action: "defer",
      reason: "cadence_not_due",
      stage: "late",
      until: T("2025-06-30T01:00:00Z"),
    });
    expect(decideWith(gappy, (i) => (i.account.dpd = 120))).toEqual({
      action: "defer",
      reason: "cadence_not_due",
      until: HK_NEXT_MORNING,
    });
  });

  it("10. quiet hours defer to the next opening of the allowed window", () => {
    expect(decide((i) => (i.now = T("2025-06-10T00:30:00Z")))).toEqual({
      action: "defer",
      reason: "quiet_hours",
      stage: "mid",
      until: T("2025-06-10T01:00:00Z"),
    });
    expect(decide((i) => (i.now = T("2025-06-10T12:00:00Z")))).toMatchObject({
      reason: "quiet_hours",
      until: HK_NEXT_MORNING,
    });
    // The borrower's preferred window narrows it...
    const evenings = (i: ContactInput) =>
      Object.assign(i.preferences, { windowStart: "18:00", windowEnd: "19:30:00" });
    expect(decide(evenings)).toMatchObject({ reason: "quiet_hours", until: T("2025-06-10T10:00:00Z") });
    // ...but one that misses the allowed window entirely cannot widen it.
    expect(
      decide((i) => Object.assign(i.preferences, { windowStart: "05:00", windowEnd: "08:00" })).action,
    ).toBe("send");
  });

  it("11. caps defer until the cap frees, inside the window", () => {
    const noGap = withPolicy((p) => (p.caps.minHoursBetweenReminders = 0));
    // One per account per local day: sent at 09:05 HKT today.
    expect(decideWith(noGap, (i) => sent(i, T("2025-06-10T01:05:00Z")))).toEqual({
      action: "defer",
      reason: "cap_account_daily",
      stage: "mid",
      until: HK_NEXT_MORNING,
    });
    // Three per borrower per rolling 7 days, across accounts: the oldest ages out at 2025-06-11T02:00Z.
    const three = (i: ContactInput) =>
      i.history.borrowerSmsSentAt.push(
        T("2025-06-04T02:00:00Z"),
        T("2025-06-06T02:00:00Z"),
        T("2025-06-08T02:00:00Z"),
      );
    expect(decideWith(noGap, three)).toMatchObject({
      reason: "cap_borrower_weekly",
      until: T("2025-06-11T02:00:00Z"),
    });
    expect(
      decide(
        (i) => (i.history.borrowerSmsSentAt.push(T("2025-06-06T02:00:00Z")), (i.preferences.maxPerWeek = 1)),
      ),
    ).toMatchObject({
      reason: "cap_borrower_weekly",
      until: T("2025-06-13T02:00:00Z"),
    });
    // 48 h between reminders to the borrower: frees at 2025-06-11T21:00Z = 05:00 HKT on 06-12, so 09:00 HKT.
    expect(decide((i) => i.history.borrowerSmsSentAt.push(T("2025-06-09T21:00:00Z")))).toMatchObject({
      reason: "cap_min_gap",
      until: T("2025-06-12T01:00:00Z"),
    });
  });

  it("sends the late and serious stages with their escalation", () => {
    expect(decide((i) => (i.account.dpd = 45))).toMatchObject({
      action: "send",
      stage: "late",
      escalation: "call_task",
    });
    expect(decide((i) => (i.account.dpd = 400))).toMatchObject({
      action: "send",
      stage: "serious",
      escalation: "visit_offer",
    });
  });

  it("publishes every reason code it can return", () => {
    expect(REASON_CODES).toEqual(
      expect.arrayContaining([
        "account_closed",
        "sms_opted_out",
        "hardship_pause",
        "breathing_space",
        "quiet_hours",
        "cap_min_gap",
        "send_due",
      ]),
    );
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
  });
});

describe("decideNextContact: jurisdictions", () => {
  const wide = withPolicy((p) => (p.contactWindow = { start: "07:00", end: "23:00" }));

  it("CN: no contact 22:00-08:00 even when the policy and the borrower allow it", () => {
    const cn = (iso: string) => (i: ContactInput) => {
      i.now = T(iso);
      i.borrower = { timeZone: "Asia/Shanghai", jurisdiction: "CN" };
      Object.assign(i.preferences, { windowStart: "06:00", windowEnd: "23:30" });
    };
    expect(decideWith(wide, cn("2025-06-09T23:30:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-06-10T00:00:00Z"),
    }); // 07:30 -> 08:00
    expect(decideWith(wide, cn("2025-06-10T13:59:00Z")).action).toBe("send"); // 21:59
    expect(decideWith(wide, cn("2025-06-10T14:00:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-06-11T00:00:00Z"),
    }); // 22:00
  });

  it("US Reg F: only 08:00-21:00 local", () => {
    const us = (iso: string) => (i: ContactInput) => {
      i.now = T(iso);
      i.borrower = { timeZone: "America/Chicago", jurisdiction: "US" };
    };
    expect(decideWith(wide, us("2025-06-10T12:59:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-06-10T13:00:00Z"),
    }); // 07:59 CDT
    expect(decideWith(wide, us("2025-06-11T01:59:00Z")).action).toBe("send"); // 20:59 CDT
    expect(decideWith(wide, us("2025-06-11T02:00:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-06-11T13:00:00Z"),
    });
  });

  it("HK: the policy's 09:00-20:00 in Hong Kong time", () => {
    const hk = (iso: string) => (i: ContactInput) => void (i.now = T(iso));
    expect(decide(hk("2025-06-10T00:59:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-06-10T01:00:00Z"),
    });
    expect(decide(hk("2025-06-10T11:59:00Z")).action).toBe("send");
    expect(decide(hk("2025-06-10T12:00:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: HK_NEXT_MORNING,
    });
  });

  it("UK: Breathing Space freezes reminders until it ends, then they resume", () => {
    const uk = (iso: string) => (i: ContactInput) => {
      i.now = T(iso);
      i.borrower = {
        timeZone: "Europe/London",
        jurisdiction: "UK",
        breathingSpaceUntil: T("2025-08-09T23:00:00Z"),
      }; // midnight BST
    };
    expect(decide(uk("2025-06-10T10:00:00Z"))).toEqual({
      action: "defer",
      reason: "breathing_space",
      until: T("2025-08-10T08:00:00Z"),
    });
    expect(decide(uk("2025-08-10T08:00:00Z")).action).toBe("send");
  });
});

describe("decideNextContact: daylight saving", () => {
  const london = (iso: string) => (i: ContactInput) => {
    i.now = T(iso);
    i.borrower = { timeZone: "Europe/London", jurisdiction: "UK" };
  };
  const newYork = (iso: string) => (i: ContactInput) => {
    i.now = T(iso);
    i.borrower = { timeZone: "America/New_York", jurisdiction: "US" };
  };

  it("London spring forward: 09:00 the next morning is BST", () => {
    expect(decide(london("2025-03-29T20:30:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-03-30T08:00:00Z"),
    });
  });

  it("New York fall back: 09:00 the same morning is EST", () => {
    expect(decide(newYork("2025-11-02T05:30:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-11-02T14:00:00Z"),
    });
  });

  it("a window opening inside the spring-forward gap opens when the clock jumps", () => {
    const night = withPolicy((p) => {
      p.contactWindow = { start: "02:00", end: "04:00" };
      delete p.jurisdictions.US.contactWindow;
    });
    expect(decideWith(night, newYork("2025-03-09T05:30:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-03-09T07:00:00Z"),
    }); // 03:00 EDT
  });

  it("a window opening inside the fall-back overlap opens at its second occurrence once the first has passed", () => {
    const night = withPolicy((p) => {
      p.contactWindow = { start: "01:30", end: "02:00" };
      delete p.jurisdictions.US.contactWindow;
    });
    // 01:10 EST (the second 01:10): 01:30 EDT has passed, 01:30 EST has not.
    expect(decideWith(night, newYork("2025-11-02T06:10:00Z"))).toMatchObject({
      reason: "quiet_hours",
      until: T("2025-11-02T06:30:00Z"),
    });
  });

  it("cadence counts local calendar days across the change, not 24 h blocks", () => {
    const earlyStage = (iso: string) => (i: ContactInput) => {
      london(iso)(i);
      i.account.dpd = 4;
      i.history.lastStageSent = { stage: "early", at: T("2025-03-28T09:30:00Z") };
      sent(i, T("2025-03-28T09:30:00Z"));
    };
    // 03-31 09:10 BST is the third local day after 03-28 although only 70 h 40 min have passed.
    expect(decide(earlyStage("2025-03-31T08:10:00Z")).action).toBe("send");
    expect(decide(earlyStage("2025-03-30T10:00:00Z"))).toMatchObject({
      reason: "cadence_not_due",
      until: T("2025-03-31T08:00:00Z"),
    });
  });
});

describe("decideNextContact: input errors and helpers", () => {
  it("throws InvalidContactInput for a zone that is not IANA, or malformed dates and windows", () => {
    expect(() => decide((i) => (i.borrower.timeZone = "Hong Kong"))).toThrow(InvalidContactInput);
    expect(() => decide((i) => (i.borrower.timeZone = "Mars/Olympus_Mons"))).toThrow(/borrower\.timeZone/);
    expect(() => decide((i) => (i.now = new Date("nope")))).toThrow(InvalidContactInput);
    expect(() => decide((i) => (i.account.dueDate = "2025-02-30"))).toThrow(/account\.dueDate/);
    expect(() => decide((i) => (i.preferences.windowStart = "18:00"))).toThrow(InvalidContactInput);
    expect(() =>
      decide((i) => Object.assign(i.preferences, { windowStart: "19:00", windowEnd: "18:00" })),
    ).toThrow(/windowEnd/);
  });

  it("nextPermittedTime skips quiet hours and caps together", () => {
    const c = sendConstraintsFor(
      build((i) => sent(i, T("2025-06-10T11:30:00Z"))),
      DEFAULT_CONTACT_POLICY,
    );
    // 48 h after 19:30 HKT on 06-10 is 19:30 on 06-12, inside the window.
    expect(nextPermittedTime(T("2025-06-10T12:00:00Z"), c)).toEqual(T("2025-06-12T11:30:00Z"));
    expect(nextPermittedTime(T("2025-06-20T03:00:00Z"), c)).toEqual(T("2025-06-20T03:00:00Z"));
  });
});
