import { describe, expect, it } from "vitest";
import { escapeLike, phoneCandidates } from "./search-query";

describe("phoneCandidates", () => {
  it("reads international numbers however they are written", () => {
    for (const q of ["+852 9123 4502", "+852-9123-4502", "+85291234502", "+852 (9123) 4502"]) {
      expect(phoneCandidates(q)).toEqual(["+85291234502"]);
    }
  });

  it("reads national numbers in each of Settle's countries and as international without the plus", () => {
    expect(phoneCandidates("9123 4502")).toContain("+85291234502");
    expect(phoneCandidates("138 1234 5603")).toContain("+8613812345603");
    expect(phoneCandidates("07700 900123")).toContain("+447700900123");
    expect(phoneCandidates("85291234502")).toContain("+85291234502");
  });

  it("ignores names, references and too-short digit runs", () => {
    expect(phoneCandidates("Chan Tai Man")).toEqual([]);
    expect(phoneCandidates("DEMO-HK-EARLY-CC")).toEqual([]);
    expect(phoneCandidates("123")).toEqual([]);
    expect(phoneCandidates("%' or 1=1 --")).toEqual([]);
  });
});

describe("escapeLike", () => {
  it("makes LIKE metacharacters literal and leaves everything else alone", () => {
    expect(escapeLike("100%")).toBe("100\\%");
    expect(escapeLike("a_b")).toBe("a\\_b");
    expect(escapeLike("back\\slash")).toBe("back\\\\slash");
    expect(escapeLike("O'Brien 陳")).toBe("O'Brien 陳");
  });
});
