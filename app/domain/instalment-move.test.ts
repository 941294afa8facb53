import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkInstalmentMove, type MovableInstalment } from "./instalment-move";
import { addDays } from "./plan-terms";

const plan: MovableInstalment[] = [
  { seq: 1, dueDate: "2026-12-01", status: "paid" },
  { seq: 2, dueDate: "2027-01-01", status: "due" },
  { seq: 3, dueDate: "2027-02-01", status: "due" },
];
const move = (
  newDate: string,
  over: Partial<{ maxDays: number; alreadyMoved: boolean; today: string }> = {},
) => checkInstalmentMove(plan, { maxDays: 14, alreadyMoved: false, today: "2026-12-20", newDate, ...over });

describe("moving one instalment", () => {
  it("moves the next unpaid instalment up to the policy's days later", () => {
    expect(move("2027-01-15")).toEqual({ ok: true, seq: 2, from: "2027-01-01" });
    expect(move("2027-01-16")).toEqual({ ok: false, problem: "date_too_far" });
  });

  it("refuses a second move, a move the policy does not allow, an earlier or past day, and a day that is not a date", () => {
    expect(move("2027-01-10", { alreadyMoved: true })).toEqual({ ok: false, problem: "already_moved" });
    expect(move("2027-01-10", { maxDays: 0 })).toEqual({ ok: false, problem: "moves_not_allowed" });
    expect(move("2027-01-01")).toEqual({ ok: false, problem: "date_not_later" });
    expect(move("2027-01-05", { today: "2027-01-06" })).toEqual({ ok: false, problem: "date_in_past" });
    expect(move("2027-02-30")).toEqual({ ok: false, problem: "date_invalid" });
  });

  it("never reaches the following instalment's day", () => {
    const close: MovableInstalment[] = [
      { seq: 1, dueDate: "2027-01-01", status: "due" },
      { seq: 2, dueDate: "2027-01-10", status: "due" },
    ];
    const opts = { maxDays: 14, alreadyMoved: false, today: "2026-12-20" };
    expect(checkInstalmentMove(close, { ...opts, newDate: "2027-01-09" })).toMatchObject({ ok: true });
    expect(checkInstalmentMove(close, { ...opts, newDate: "2027-01-10" })).toEqual({
      ok: false,
      problem: "date_after_next",
    });
  });

  it("an accepted move keeps the plan's order and stays within the policy's days (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: -10, max: 60 }),
        (maxDays, gap, shift) => {
          const instalments: MovableInstalment[] = [
            { seq: 1, dueDate: "2027-01-01", status: "due" },
            { seq: 2, dueDate: addDays("2027-01-01", gap), status: "due" },
          ];
          const newDate = addDays("2027-01-01", shift);
          const result = checkInstalmentMove(instalments, {
            maxDays,
            alreadyMoved: false,
            today: "2026-12-25",
            newDate,
          });
          if (!result.ok) return;
          expect(newDate > "2027-01-01").toBe(true);
          expect(newDate < instalments[1]!.dueDate).toBe(true);
          expect(newDate <= addDays("2027-01-01", maxDays)).toBe(true);
        },
      ),
    );
  });
});
