import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../i18n/config";
import {
  checkSmsTemplate,
  expectedPlaceholders,
  slotOf,
  slotOfTemplateKey,
  templateKeyOfSlot,
  type TemplateSlot,
} from "./sms-template-check";
import { getSmsTemplate, listTemplateKeys } from "./sms-templates";

const early: TemplateSlot = { kind: "reminder", stage: "early", variant: "A" };
const EN_EARLY = getSmsTemplate("en", "reminder.early.A");

describe("template slots", () => {
  it("maps every shipped key to a slot and back", () => {
    for (const key of listTemplateKeys()) {
      const slot = slotOfTemplateKey(key);
      expect(slot, key).not.toBeNull();
      expect(templateKeyOfSlot(slot!)).toBe(key);
    }
  });

  it("rejects keys and pairs that name no template", () => {
    expect(slotOfTemplateKey("reminder.early")).toBeNull();
    expect(slotOfTemplateKey("reminder.nope.A")).toBeNull();
    expect(slotOfTemplateKey("reminder.early.a")).toBeNull();
    expect(slotOfTemplateKey("confirmation.plan_approved.A")).toBeNull();
    expect(slotOf("plan_approved", "B")).toBeNull();
    expect(slotOf("early", "C")).toEqual({ kind: "reminder", stage: "early", variant: "C" });
  });

  it("an added variant needs the same placeholders as the stage's defaults", () => {
    expect(expectedPlaceholders({ kind: "reminder", stage: "late", variant: "C" })).toEqual(
      expectedPlaceholders({ kind: "reminder", stage: "late", variant: "A" }),
    );
  });
});

describe("checkSmsTemplate", () => {
  it("accepts every shipped template in every locale", () => {
    for (const locale of SUPPORTED_LOCALES) {
      for (const key of listTemplateKeys()) {
        const check = checkSmsTemplate({
          body: getSmsTemplate(locale, key),
          locale,
          slot: slotOfTemplateKey(key)!,
        });
        expect(check.problems, `${locale} ${key}`).toEqual([]);
        expect(check.worstCase!.segments).toBeLessThanOrEqual(2);
      }
    }
  });

  it("renders a preview with the worst-case values and counts its parts", () => {
    const check = checkSmsTemplate({ body: EN_EARLY, locale: "en", slot: early });
    expect(check.preview).toContain("Ms Cheung-Fitzgerald");
    expect(check.preview).not.toContain("{{");
    expect(check.worstCase).toMatchObject({ encoding: "GSM-7", segments: 2 });
  });

  it("reports missing and extra placeholders", () => {
    const body = EN_EARLY.replace("{{link}}", "{{ackNumber}}");
    const { problems, ok } = checkSmsTemplate({ body, locale: "en", slot: early });
    expect(ok).toBe(false);
    expect(problems).toEqual([
      { code: "missing_placeholder", placeholder: "link" },
      { code: "extra_placeholder", placeholder: "ackNumber" },
    ]);
  });

  it("reports unknown and malformed placeholders without a preview", () => {
    expect(
      checkSmsTemplate({ body: `${EN_EARLY} {{nope}}`, locale: "en", slot: early }).problems,
    ).toContainEqual({ code: "unknown_placeholder", placeholder: "nope" });
    const malformed = checkSmsTemplate({ body: `${EN_EARLY} {{amount}`, locale: "en", slot: early });
    expect(malformed.problems).toContainEqual({ code: "malformed" });
    expect(malformed.preview).toBeNull();
  });

  it("requires the opt-out instruction in reminders, not in confirmations", () => {
    const noStop = EN_EARLY.replace(" Reply STOP to opt out", "");
    expect(checkSmsTemplate({ body: noStop, locale: "en", slot: early }).problems).toEqual([
      { code: "opt_out_missing", instruction: "Reply STOP to opt out" },
    ]);
    const zh = getSmsTemplate("zh-HK", "reminder.early.A").replace("回T退訂", "");
    expect(checkSmsTemplate({ body: zh, locale: "zh-HK", slot: early }).problems).toEqual([
      { code: "opt_out_missing", instruction: "回T退訂" },
    ]);
    const help = getSmsTemplate("en", "confirmation.help").replace(" Reply STOP to opt out", "");
    expect(
      checkSmsTemplate({
        body: help,
        locale: "en",
        slot: { kind: "confirmation", stage: "help", variant: "A" },
      }).problems,
    ).toEqual([]);
  });

  it("counts a confirmation without the opt-out notice with the notice US borrowers get added (Reg F 1006.6(e))", () => {
    const slot: TemplateSlot = { kind: "confirmation", stage: "preferences_updated", variant: "A" };
    const body = getSmsTemplate("zh-HK", "confirmation.preferences_updated").replace("回T退訂", "");
    const check = checkSmsTemplate({ body, locale: "zh-HK", slot });
    expect(check.preview!.endsWith(" 回T退訂")).toBe(true);
    // Just long enough to fit 2 parts alone, and 3 once the notice is added: refused.
    const room = 2 * 67 - [...check.preview!].length;
    const padded = body.replace("。", `。${"請".repeat(room + 2)}`);
    expect(checkSmsTemplate({ body: padded, locale: "zh-HK", slot }).problems).toEqual([
      { code: "too_many_segments", segments: 3, max: 2 },
    ]);
  });

  it("rejects a body that would take more than 2 parts in the worst case", () => {
    // One Chinese character makes the whole text UCS-2: 67 characters a part.
    const body = `${getSmsTemplate("zh-HK", "reminder.early.A")}${"請".repeat(60)}`;
    const check = checkSmsTemplate({ body, locale: "zh-HK", slot: early });
    expect(check.worstCase!.encoding).toBe("UCS-2");
    expect(check.problems).toEqual([
      { code: "too_many_segments", segments: check.worstCase!.segments, max: 2 },
    ]);
    expect(check.worstCase!.segments).toBeGreaterThan(2);
  });

  it("rejects invisible control characters (Postgres cannot even store U+0000)", () => {
    for (const c of ["\u0000", "\t", "\u202E"]) {
      expect(
        checkSmsTemplate({ body: `${EN_EARLY}${c}`, locale: "en", slot: early }).problems,
      ).toContainEqual({ code: "control_characters" });
    }
    expect(
      checkSmsTemplate({ body: EN_EARLY.replace("It happens. ", "It happens.\n"), locale: "en", slot: early })
        .problems,
    ).toEqual([]);
  });

  it("rejects an empty body", () => {
    expect(checkSmsTemplate({ body: "   ", locale: "en", slot: early }).problems[0]).toEqual({
      code: "empty",
    });
  });
});
