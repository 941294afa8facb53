import { describe, expect, it } from "vitest";
import { mergeTimeline, type TimelineEntry } from "./timeline";

const note = (key: string, at: string): TimelineEntry => ({
  key,
  at,
  when: at,
  accountLast4: null,
  kind: "note",
  body: key,
  author: "A",
});
const call = (key: string, at: string): TimelineEntry => ({
  key,
  at,
  when: at,
  accountLast4: "1234",
  kind: "call",
  outcome: "no_answer",
  author: null,
});

describe("mergeTimeline", () => {
  it("merges sources into one list, newest first", () => {
    const merged = mergeTimeline(
      [note("note:a", "2030-01-01T10:00:00.000Z"), note("note:b", "2030-01-03T10:00:00.000Z")],
      [call("call:a", "2030-01-02T10:00:00.000Z")],
      [],
    );
    expect(merged.map((e) => e.key)).toEqual(["note:b", "call:a", "note:a"]);
  });

  it("orders equal instants by key, whatever order the sources came in", () => {
    const at = "2030-01-01T10:00:00.000Z";
    const one = mergeTimeline([note("note:b", at)], [call("call:z", at), call("call:a", at)]);
    const two = mergeTimeline([call("call:a", at), call("call:z", at)], [note("note:b", at)]);
    expect(one.map((e) => e.key)).toEqual(["call:a", "call:z", "note:b"]);
    expect(two).toEqual(one);
  });
});
