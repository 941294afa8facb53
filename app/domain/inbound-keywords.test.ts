import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { classifyInboundSms, keywordReplyLocale, normalizeInboundSms } from "./inbound-keywords";

const OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "T", "TD", "R", "退訂", "退订"];
const OPT_IN = ["START", "UNSTOP"];

/** Random casing, padding and trailing punctuation a phone keyboard might add. */
const noise = fc.constantFrom(
  "",
  " ",
  "  ",
  "\n",
  "\t",
  "\u3000",
  ".",
  "!",
  "。",
  "！",
  "？",
  "~",
  " 🙏",
  "👍🏽",
  "❤️",
  "\u200B",
);
function withNoise(keyword: string) {
  return fc
    .tuple(noise, noise, fc.array(fc.boolean(), { minLength: keyword.length, maxLength: keyword.length }))
    .map(([before, after, upper]) => {
      const cased = [...keyword].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join("");
      return before + cased + after;
    });
}

describe("classifyInboundSms", () => {
  it.each(OPT_OUT)("treats %s as an opt-out", (keyword) => {
    expect(classifyInboundSms(keyword)).toEqual({ kind: "opt_out", keyword });
  });

  it.each(OPT_IN)("treats %s as an opt-in", (keyword) => {
    expect(classifyInboundSms(keyword)).toEqual({ kind: "opt_in", keyword });
  });

  it("answers HELP", () => {
    expect(classifyInboundSms(" help? ")).toEqual({ kind: "help", keyword: "HELP" });
  });

  it("ignores case, surrounding whitespace, punctuation and emoji", () => {
    for (const [keyword, kind] of [
      ...OPT_OUT.map((k) => [k, "opt_out"]),
      ...OPT_IN.map((k) => [k, "opt_in"]),
      ["HELP", "help"],
    ]) {
      fc.assert(
        fc.property(withNoise(keyword!), (body) => {
          expect(classifyInboundSms(body)).toEqual({ kind, keyword });
        }),
        { numRuns: 50 },
      );
    }
  });

  it("folds full-width letters and punctuation (NFKC)", () => {
    expect(classifyInboundSms("ＳＴＯＰ！")).toEqual({ kind: "opt_out", keyword: "STOP" });
    expect(classifyInboundSms("ｔｄ。")).toEqual({ kind: "opt_out", keyword: "TD" });
    expect(classifyInboundSms("　Ｓｔａｒｔ　")).toEqual({ kind: "opt_in", keyword: "START" });
    expect(classifyInboundSms("退訂。")).toEqual({ kind: "opt_out", keyword: "退訂" });
    expect(classifyInboundSms("「退订」")).toEqual({ kind: "opt_out", keyword: "退订" });
    expect(normalizeInboundSms(" Ｈｅｌｐ！！ ")).toBe("HELP");
  });

  it("only matches when the keyword is the whole message", () => {
    for (const body of [
      "START again please",
      "Don't start",
      "restart",
      "STARTS",
      "UNSTOPPABLE",
      "helpful",
      "Tom",
      "RR",
    ]) {
      expect(classifyInboundSms(body).kind, body).toBe("other");
    }
  });

  it("flags longer messages that mention opting out for a person to read", () => {
    expect(classifyInboundSms("stop please call me")).toEqual({ kind: "other", possibleOptOut: true });
    expect(classifyInboundSms("Please stop texting me!")).toEqual({ kind: "other", possibleOptOut: true });
    expect(classifyInboundSms("請停止發短訊給我")).toEqual({ kind: "other", possibleOptOut: true });
    expect(classifyInboundSms("我要退訂")).toEqual({ kind: "other", possibleOptOut: true });
    // Whole words only: "weekend" is not END and T/R are never searched for inside text.
    expect(classifyInboundSms("I will pay at the weekend")).toEqual({ kind: "other" });
    expect(classifyInboundSms("Thanks, I paid already")).toEqual({ kind: "other" });
  });

  it("flags messages that read like a complaint for a person to read", () => {
    expect(classifyInboundSms("I will complain to the HKMA")).toEqual({
      kind: "other",
      possibleComplaint: true,
    });
    expect(classifyInboundSms("Your calls are harassment")).toEqual({
      kind: "other",
      possibleComplaint: true,
    });
    expect(classifyInboundSms("我要投訴你們")).toEqual({ kind: "other", possibleComplaint: true });
    expect(classifyInboundSms("别再骚扰我")).toEqual({ kind: "other", possibleComplaint: true });
    expect(classifyInboundSms("Stop harassing me")).toEqual({
      kind: "other",
      possibleOptOut: true,
      possibleComplaint: true,
    });
    // Whole words only: "sued" and "issue" are not SUE.
    expect(classifyInboundSms("Is there an issue with my payment?")).toEqual({ kind: "other" });
  });

  it("answers an unknown number in the language of its keyword", () => {
    expect(keywordReplyLocale("退訂")).toBe("zh-HK");
    expect(keywordReplyLocale("退订")).toBe("zh-CN");
    expect(keywordReplyLocale("STOP")).toBe("en");
    expect(keywordReplyLocale(undefined)).toBe("en");
  });

  it("never opts anyone in unless the message is exactly START or UNSTOP", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })),
        (body) => {
          const result = classifyInboundSms(body);
          if (result.kind === "opt_in") expect(OPT_IN).toContain(normalizeInboundSms(body));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("never opts anyone in from a sentence that merely contains START", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9\u4e00-\u9fff]{1,8}$/);
    fc.assert(
      fc.property(
        word,
        fc.constantFrom("START", "start", "UNSTOP"),
        word,
        fc.constantFrom(" ", ""),
        (a, kw, b, sep) => {
          for (const body of [a + sep + kw, kw + sep + b, a + sep + kw + sep + b]) {
            expect(classifyInboundSms(body).kind).not.toBe("opt_in");
          }
        },
      ),
    );
  });

  it("classifies every body without throwing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (body) => {
        expect(["opt_out", "opt_in", "help", "other"]).toContain(classifyInboundSms(body).kind);
      }),
    );
  });
});
