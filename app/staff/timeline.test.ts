import { describe, expect, it } from "vitest";
import {
  borrowerWords,
  filterOf,
  filterTimeline,
  mergeTimeline,
  parseTimelineFilters,
  type TimelineEntry,
} from "./timeline";

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

describe("timeline filters", () => {
  it("puts each entry in exactly one filter; no filter shows everything; unknown words are dropped", () => {
    const entries = [note("note:a", "2030-01-01T10:00:00.000Z"), call("call:a", "2030-01-02T10:00:00.000Z")];
    expect(filterOf(entries[0]!)).toBe("staff");
    expect(filterOf(entries[1]!)).toBe("calls");
    expect(filterTimeline(entries, []).entries).toHaveLength(2);
    expect(filterTimeline(entries, ["calls"]).entries.map((e) => e.key)).toEqual(["call:a"]);
    expect(filterTimeline(entries, ["texts"]).counts).toMatchObject({ staff: 1, calls: 1, texts: 0 });
    expect(parseTimelineFilters(["calls", "<b>", "texts", "calls"])).toEqual(["texts", "calls"]);
  });

  it("the borrower's own words: only what the borrower wrote", () => {
    expect(borrowerWords(note("note:a", "2030-01-01T10:00:00.000Z"))).toBeNull();
    const inbound: TimelineEntry = {
      key: "message:1",
      at: "2030-01-01T10:00:00.000Z",
      when: "",
      accountLast4: null,
      kind: "message",
      direction: "inbound",
      channel: "sms",
      status: "received",
      body: "I will pay Friday",
      templateKey: null,
      segments: null,
      encoding: null,
      history: [],
    };
    expect(borrowerWords(inbound)).toBe("I will pay Friday");
    expect(borrowerWords({ ...inbound, direction: "outbound" })).toBeNull();
  });
});
