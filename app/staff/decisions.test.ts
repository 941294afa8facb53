import { describe, expect, it } from "vitest";
import { summariseSilence } from "./decisions";

describe("summariseSilence", () => {
  const decisions = [
    { at: "2030-01-01T09:00:00.000Z", action: "defer" as const, reason: "quiet_hours" },
    { at: "2030-01-02T09:00:00.000Z", action: "send" as const, reason: "send_due" },
    { at: "2030-01-03T09:00:00.000Z", action: "defer" as const, reason: "cap_min_gap" },
    { at: "2030-01-04T09:00:00.000Z", action: "defer" as const, reason: "cap_min_gap" },
    { at: "2030-01-05T09:00:00.000Z", action: "suppress" as const, reason: "wrong_number" },
  ];

  it("lists what held texts back since the last one was sent, most recent first, with counts", () => {
    expect(summariseSilence("2030-01-02T09:05:00.000Z", decisions)).toEqual({
      lastSentAt: "2030-01-02T09:05:00.000Z",
      reasons: [
        {
          action: "suppress",
          reason: "wrong_number",
          channel: null,
          count: 1,
          latestAt: "2030-01-05T09:00:00.000Z",
        },
        {
          action: "defer",
          reason: "cap_min_gap",
          channel: null,
          count: 2,
          latestAt: "2030-01-04T09:00:00.000Z",
        },
      ],
    });
  });

  it("counts everything when nothing was ever sent, and never lists 'send' as a reason", () => {
    const summary = summariseSilence(null, decisions);
    expect(summary.reasons.map((r) => r.reason)).toEqual(["wrong_number", "cap_min_gap", "quiet_hours"]);
  });

  it("counts a stored row's repeats as that many runs", () => {
    const summary = summariseSilence(null, [
      { at: "2030-01-06T09:00:00.000Z", action: "defer", reason: "cadence_not_due", repeats: 12 },
      { at: "2030-01-03T09:00:00.000Z", action: "defer", reason: "cadence_not_due", repeats: 3 },
      { at: "2030-01-02T09:00:00.000Z", action: "defer", reason: "quiet_hours" },
    ]);
    expect(summary.reasons).toEqual([
      {
        action: "defer",
        reason: "cadence_not_due",
        channel: null,
        count: 15,
        latestAt: "2030-01-06T09:00:00.000Z",
      },
      {
        action: "defer",
        reason: "quiet_hours",
        channel: null,
        count: 1,
        latestAt: "2030-01-02T09:00:00.000Z",
      },
    ]);
  });

  it("keeps one reason on two channels apart: the agent sees which channel was held back", () => {
    const summary = summariseSilence(null, [
      { at: "2030-01-06T09:00:00.000Z", action: "defer", reason: "quiet_hours", channel: "call" },
      { at: "2030-01-05T09:00:00.000Z", action: "defer", reason: "quiet_hours", channel: "sms" },
      { at: "2030-01-04T09:00:00.000Z", action: "defer", reason: "quiet_hours", channel: "sms" },
    ]);
    expect(summary.reasons.map((r) => [r.channel, r.reason, r.count])).toEqual([
      ["call", "quiet_hours", 1],
      ["sms", "quiet_hours", 2],
    ]);
  });
});
