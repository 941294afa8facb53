import { describe, expect, it } from "vitest";
import { checkPromiseDate, hardshipPauseFor, localToday, promiseDateOptions } from "./borrower-actions";

const DAY = 86_400_000;

describe("promise dates", () => {
  it("today is the borrower's, not UTC's", () => {
    const now = new Date("2026-11-23T17:30:00Z"); // already the 24th in Hong Kong, still the 23rd in London
    expect(localToday(now, "Asia/Hong_Kong")).toBe("2026-11-24");
    expect(localToday(now, "Europe/London")).toBe("2026-11-23");
  });

  it("offers today to 14 days ahead, across a month end", () => {
    const options = promiseDateOptions("2026-12-25");
    expect(options).toHaveLength(15);
    expect(options[0]).toBe("2026-12-25");
    expect(options[14]).toBe("2027-01-08");
  });

  it("accepts today through day 14 and nothing else", () => {
    expect(checkPromiseDate("2026-11-23", "2026-11-23")).toBeNull();
    expect(checkPromiseDate("2026-12-07", "2026-11-23")).toBeNull();
    expect(checkPromiseDate("2026-12-08", "2026-11-23")).toBe("too_late");
    expect(checkPromiseDate("2026-11-22", "2026-11-23")).toBe("past");
    expect(checkPromiseDate("2026-02-29", "2026-02-20")).toBe("invalid");
    expect(checkPromiseDate("23/11/2026", "2026-11-23")).toBe("invalid");
  });
});

describe("hardship pause", () => {
  const now = new Date("2026-11-23T10:00:00Z");

  it("pauses for the policy's days when there was no earlier pause", () => {
    expect(hardshipPauseFor(now, 30, null)).toEqual({
      granted: true,
      pauseUntil: new Date(now.getTime() + 30 * DAY),
    });
  });

  it("does not pause again within 180 days of the last pause, and does from day 180", () => {
    expect(hardshipPauseFor(now, 30, new Date(now.getTime() - 180 * DAY + 1))).toEqual({
      granted: false,
      pauseUntil: null,
    });
    expect(hardshipPauseFor(now, 30, new Date(now.getTime() - 180 * DAY)).granted).toBe(true);
  });
});
