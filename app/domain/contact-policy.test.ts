import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONTACT_POLICY,
  effectiveCaps,
  jurisdictionWindow,
  parseContactPolicy,
  stageForDpd,
  type ContactPolicy,
} from "./contact-policy";
import { formatClock, type LocalWindow } from "./local-time";

/** A deep copy of the defaults to edit freely. */
function policy(): ContactPolicy {
  return structuredClone(DEFAULT_CONTACT_POLICY);
}

function errorsOf(input: unknown) {
  const parsed = parseContactPolicy(input);
  if (parsed.ok) throw new Error("expected the policy to be rejected");
  return parsed.errors;
}

const show = (w: LocalWindow) => `${formatClock(w.startMinute)}-${formatClock(w.endMinute)}`;

describe("contact policy schema", () => {
  it("gives a policy saved before cases existed the default case SLAs (docs/product-rules.md §8.13)", () => {
    const { cases: _cases, ...older } = policy();
    const parsed = parseContactPolicy(older);
    expect(parsed.ok && parsed.policy.cases).toEqual({
      complaintAckWorkingDays: 5,
      complaintResponseDays: 56,
      hardshipReviewDays: 10,
    });
  });

  it("accepts the defaults, which match docs/product-rules.md §4.2", () => {
    const parsed = parseContactPolicy(DEFAULT_CONTACT_POLICY);
    expect(parsed.ok).toBe(true);
    const stages = DEFAULT_CONTACT_POLICY.stages.map((s) => [
      s.id,
      s.fromDpd,
      s.toDpd,
      s.everyDays,
      s.escalation,
    ]);
    expect(stages).toEqual([
      ["pre_due", -3, -1, 3, "none"],
      ["due", 0, 0, 1, "none"],
      ["early", 1, 6, 3, "none"],
      ["mid", 7, 29, 5, "none"],
      ["late", 30, 59, 7, "call_task"],
      ["serious", 60, 100_000, 7, "visit_offer"],
    ]);
    expect(DEFAULT_CONTACT_POLICY.contactWindow).toEqual({ start: "09:00", end: "20:00" });
    expect(DEFAULT_CONTACT_POLICY.caps).toEqual({
      smsPerAccountPerDay: 1,
      smsPerBorrowerPer7Days: 3,
      minHoursBetweenReminders: 48,
      callsPerDay: 3,
      callsPer7Days: 7,
    });
    expect(DEFAULT_CONTACT_POLICY.promiseGraceDays).toBe(2);
    expect(DEFAULT_CONTACT_POLICY.hardshipPauseDays).toBe(30);
  });

  it("survives a JSON round trip (it is stored as jsonb)", () => {
    expect(parseContactPolicy(JSON.parse(JSON.stringify(DEFAULT_CONTACT_POLICY)))).toEqual({
      ok: true,
      policy: DEFAULT_CONTACT_POLICY,
    });
  });

  it("rejects unknown fields, naming each by its path", () => {
    expect(errorsOf({ ...policy(), colour: "red" })).toEqual([
      { path: "colour", message: 'unknown field "colour"' },
    ]);
    const p = policy() as unknown as {
      caps: Record<string, unknown>;
      stages: Record<string, unknown>[];
      jurisdictions: { US: Record<string, unknown> };
    };
    p.caps.smsPerHour = 2;
    p.stages[2]!.emoji = true;
    p.jurisdictions.US.quietHours = "22-08";
    expect(
      errorsOf(p)
        .map((e) => e.path)
        .sort(),
    ).toEqual(["caps.smsPerHour", "jurisdictions.US.quietHours", "stages.2.emoji"]);
  });

  it("rejects overlapping, unsorted, inverted or duplicate stages", () => {
    const overlapping = policy();
    overlapping.stages[3]!.fromDpd = 6; // mid starts inside early (1..6)
    expect(errorsOf(overlapping)).toEqual([
      expect.objectContaining({
        path: "stages.3.fromDpd",
        message: expect.stringMatching(/non-overlapping/),
      }),
    ]);

    const unsorted = policy();
    unsorted.stages.reverse();
    expect(errorsOf(unsorted).some((e) => e.path === "stages.1.fromDpd")).toBe(true);

    const inverted = policy();
    inverted.stages[2]!.toDpd = 0;
    expect(errorsOf(inverted).map((e) => e.path)).toContain("stages.2.toDpd");

    const duplicate = policy();
    duplicate.stages[5]!.id = "late";
    expect(errorsOf(duplicate).map((e) => e.path)).toContain("stages.5.id");

    expect(errorsOf({ ...policy(), stages: [] }).map((e) => e.path)).toEqual(["stages"]);
  });

  it("rejects malformed HH:MM and empty or wrapped windows", () => {
    for (const bad of ["9:00", "24:00", "12:60", "0900", "09:00:00", ""]) {
      const p = policy();
      p.contactWindow.start = bad;
      expect(errorsOf(p)).toEqual([
        { path: "contactWindow.start", message: 'expected "HH:MM" (00:00-23:59)' },
      ]);
    }
    const wrapped = policy();
    wrapped.contactWindow = { start: "22:00", end: "08:00" };
    expect(errorsOf(wrapped)).toEqual([
      { path: "contactWindow.end", message: "window end must be after its start" },
    ]);
    const empty = policy();
    empty.jurisdictions.CN.contactWindow = { start: "08:00", end: "08:00" };
    expect(errorsOf(empty).map((e) => e.path)).toEqual(["jurisdictions.CN.contactWindow.end"]);
  });

  it("rejects caps that would never let a text through", () => {
    const p = policy();
    p.caps.smsPerBorrowerPer7Days = 0;
    expect(errorsOf(p).map((e) => e.path)).toEqual(["caps.smsPerBorrowerPer7Days"]);
  });

  it("maps days past due to stages, with gaps giving none", () => {
    const p = DEFAULT_CONTACT_POLICY;
    const ids = [-4, -3, -1, 0, 1, 6, 7, 29, 30, 59, 60, 5_000].map((d) => stageForDpd(p, d)?.id ?? null);
    expect(ids).toEqual([
      null,
      "pre_due",
      "pre_due",
      "due",
      "early",
      "early",
      "mid",
      "mid",
      "late",
      "late",
      "serious",
      "serious",
    ]);
    const gappy = policy();
    gappy.stages = gappy.stages.filter((s) => s.id !== "mid");
    expect(stageForDpd(gappy, 10)).toBeNull();
  });
});

describe("jurisdiction profiles", () => {
  it("HK: the policy window governs (s.43 names no hours); debtor only; registered sender", () => {
    expect(show(jurisdictionWindow(DEFAULT_CONTACT_POLICY, "HK"))).toBe("09:00-20:00");
    const hk = DEFAULT_CONTACT_POLICY.jurisdictions.HK;
    expect(hk.contactDebtorOnly).toBe(true);
    expect(hk.registeredSenderId).toBe(true);
    expect(effectiveCaps(DEFAULT_CONTACT_POLICY, "HK")).toEqual(DEFAULT_CONTACT_POLICY.caps);
  });

  it("CN: no contact 22:00-08:00 even if the policy window is wider; 3 calls a day; debtor only", () => {
    const wide = policy();
    wide.contactWindow = { start: "06:00", end: "23:30" };
    wide.caps.callsPerDay = 5;
    expect(show(jurisdictionWindow(wide, "CN"))).toBe("08:00-22:00");
    expect(show(jurisdictionWindow(DEFAULT_CONTACT_POLICY, "CN"))).toBe("09:00-20:00");
    expect(effectiveCaps(wide, "CN").callsPerDay).toBe(3);
    expect(DEFAULT_CONTACT_POLICY.jurisdictions.CN.contactDebtorOnly).toBe(true);
  });

  it("US Reg F: 08:00-21:00 local, calls capped at 7 in 7 days, 7-day call cooldown, opt-out in every text", () => {
    const wide = policy();
    wide.contactWindow = { start: "07:00", end: "22:00" };
    wide.caps.callsPer7Days = 10;
    expect(show(jurisdictionWindow(wide, "US"))).toBe("08:00-21:00");
    expect(effectiveCaps(wide, "US").callsPer7Days).toBe(7);
    expect(effectiveCaps(wide, "HK").callsPer7Days).toBe(10);
    const us = DEFAULT_CONTACT_POLICY.jurisdictions.US;
    expect(us.callCooldownAfterConversationDays).toBe(7);
    expect(us.smsOptOutNotice).toBe(true);
  });

  it("UK: Breathing Space is a 60-day moratorium at most once per 12 months", () => {
    expect(DEFAULT_CONTACT_POLICY.jurisdictions.UK.breathingSpace).toEqual({
      moratoriumDays: 60,
      maxPerMonths: 12,
    });
    expect(show(jurisdictionWindow(DEFAULT_CONTACT_POLICY, "UK"))).toBe("09:00-20:00");
  });

  it("a profile only tightens: looser profile caps are ignored", () => {
    const strict = policy();
    strict.caps.callsPerDay = 2;
    strict.caps.minHoursBetweenReminders = 72;
    strict.jurisdictions.CN.caps = { callsPerDay: 3, minHoursBetweenReminders: 24 };
    expect(effectiveCaps(strict, "CN")).toMatchObject({ callsPerDay: 2, minHoursBetweenReminders: 72 });
    strict.jurisdictions.CN.caps = { minHoursBetweenReminders: 96 };
    expect(effectiveCaps(strict, "CN").minHoursBetweenReminders).toBe(96);
  });

  it("a policy window that misses the profile's entirely falls back to the profile's, never outside it", () => {
    const early = policy();
    early.contactWindow = { start: "06:00", end: "07:30" };
    expect(show(jurisdictionWindow(early, "US"))).toBe("08:00-21:00");
    expect(show(jurisdictionWindow(early, "HK"))).toBe("06:00-07:30");
  });
});
