import { describe, expect, it } from "vitest";
import fc from "fast-check";
import enSms from "../../locales/en/sms.json";
import zhCNSms from "../../locales/zh-CN/sms.json";
import zhHKSms from "../../locales/zh-HK/sms.json";
import { SUPPORTED_LOCALES } from "../i18n/config";
import { countSegments } from "./sms-segments";
import {
  CONFIRMATION_KINDS,
  OPT_OUT_INSTRUCTION,
  REMINDER_STAGES,
  SmsTemplateError,
  WORST_CASE_VARS,
  defaultReminderVariants,
  fillSmsTemplate,
  getSmsTemplate,
  listTemplateKeys,
  reminderTemplateKey,
  renderSms,
  requiredSmsVars,
  smsTemplatePlaceholders,
  type SmsTemplateKey,
} from "./sms-templates";

// Read the raw files too, so a stray extra key (which the typed catalogue would tolerate) is caught.
const FILES: Record<
  string,
  { reminder: Record<string, Record<string, string>>; confirmation: Record<string, string> }
> = {
  en: enSms,
  "zh-HK": zhHKSms,
  "zh-CN": zhCNSms,
};
const keys = listTemplateKeys();
const reminderKeys = keys.filter((key) => key.startsWith("reminder."));
const cases = SUPPORTED_LOCALES.flatMap((locale) => keys.map((key) => ({ locale, key })));

const demoVars = {
  bank: "Settle Bank",
  name: "陳先生",
  last4: "1234",
  amount: "HK$1,234.00",
  dueDate: "11月30日",
  link: "https://s.example/r/Ab3dEf9hJk12345",
  hotline: "2233 8000",
  ackNumber: "C-42",
  slot: "12月1日 10:00",
};

function errorOf(fn: () => unknown): SmsTemplateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SmsTemplateError) return error;
    throw error;
  }
  throw new Error("expected an SmsTemplateError");
}

describe("default SMS catalogue", () => {
  it("ships both variants for every reminder stage and every confirmation", () => {
    for (const stage of REMINDER_STAGES) expect(defaultReminderVariants(stage)).toEqual(["A", "B"]);
    expect(keys).toHaveLength(REMINDER_STAGES.length * 2 + CONFIRMATION_KINDS.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("defines the same keys and the same placeholders per key in every locale", () => {
    const shapes = Object.values(FILES).map((json) =>
      [
        ...Object.entries(json.reminder).flatMap(([stage, variants]) =>
          Object.keys(variants).map((variant) => `reminder.${stage}.${variant}`),
        ),
        ...Object.keys(json.confirmation).map((kind) => `confirmation.${kind}`),
      ].sort(),
    );
    for (const fileKeys of shapes) expect(fileKeys).toEqual([...keys].sort());
    for (const key of keys) {
      const expected = [...smsTemplatePlaceholders(getSmsTemplate("en", key))].sort();
      for (const locale of SUPPORTED_LOCALES) {
        expect([...smsTemplatePlaceholders(getSmsTemplate(locale, key))].sort(), `${locale} ${key}`).toEqual(
          expected,
        );
      }
    }
  });

  it.each(cases)("$locale $key fits in 2 parts with worst-case values", ({ locale, key }) => {
    const text = renderSms(locale, key, WORST_CASE_VARS[locale]);
    const count = countSegments(text);
    expect(count.segments, `${count.characters} ${count.encoding} units: ${text}`).toBeLessThanOrEqual(2);
    if (locale === "en") expect(count.encoding).toBe("GSM-7");
  });

  it.each(cases)("$locale $key names the bank and the hotline", ({ locale, key }) => {
    const vars = WORST_CASE_VARS[locale];
    const text = renderSms(locale, key, vars);
    expect(text).toContain(locale === "en" ? `${vars.bank}:` : `【${vars.bank}】`);
    expect(text.startsWith(locale === "en" ? vars.bank : "【")).toBe(true);
    expect(text).toContain(vars.hotline);
  });

  it.each(SUPPORTED_LOCALES.flatMap((locale) => reminderKeys.map((key) => ({ locale, key }))))(
    "$locale $key carries everything a reminder must state",
    ({ locale, key }) => {
      const template = getSmsTemplate(locale, key);
      expect(smsTemplatePlaceholders(template).sort()).toEqual(
        ["amount", "bank", "dueDate", "hotline", "last4", "link", "name"].sort(),
      );
      expect(template).toContain(OPT_OUT_INSTRUCTION[locale]);
    },
  );

  it("gives the opt-out instruction in every message except the opt-out confirmation, which explains START", () => {
    for (const { locale, key } of cases) {
      const template = getSmsTemplate(locale, key);
      if (key === "confirmation.opted_out") {
        expect(template).not.toContain(OPT_OUT_INSTRUCTION[locale]);
        expect(template).toContain("START");
      } else {
        expect(template, `${locale} ${key}`).toContain(OPT_OUT_INSTRUCTION[locale]);
      }
    }
  });

  it("keeps links clickable: whitespace around every link, never glued to punctuation or CJK", () => {
    for (const { locale, key } of cases) {
      const template = getSmsTemplate(locale, key);
      for (const match of template.matchAll(/(.?)\{\{link\}\}(.?)/gu)) {
        expect(match[1], `${locale} ${key}`).toBe(" ");
        expect(match[2], `${locale} ${key}`).toMatch(/^( |)$/);
      }
    }
  });

  it("never tells a wrong-number recipient anything about the debt or the borrower", () => {
    for (const locale of SUPPORTED_LOCALES) {
      expect(requiredSmsVars("confirmation.wrong_number_ack")).toEqual(["bank", "hotline"]);
      expect(smsTemplatePlaceholders(getSmsTemplate(locale, "confirmation.opted_out"))).toEqual([
        "bank",
        "hotline",
      ]);
    }
  });

  it("uses no threatening, shaming or third-party wording", () => {
    const deny: Record<(typeof SUPPORTED_LOCALES)[number], RegExp> = {
      en: /\b(police|arrest\w*|lawsuits?|sue|court|legal action|lawyers?|solicitors?|bailiffs?|prison|jail|criminal|family|relatives?|employer|neighbou?rs?|blacklist\w*|deadbeat|seiz\w+|final warning)\b/i,
      "zh-HK":
        /警察|報警|拘捕|逮捕|起訴|法院|律師|法律行動|坐牢|刑事|家人|親友|家屬|單位|僱主|通訊錄|上門|黑名單|老賴|失信|最後通牒/,
      "zh-CN":
        /警察|报警|拘捕|逮捕|起诉|法院|律师|法律行动|坐牢|刑事|家人|亲友|家属|单位|雇主|通讯录|上门|黑名单|老赖|失信|最后通牒/,
    };
    for (const { locale, key } of cases) {
      expect(getSmsTemplate(locale, key), `${locale} ${key}`).not.toMatch(deny[locale]);
    }
  });

  it("writes Hong Kong Traditional and mainland Simplified wording, not a mix", () => {
    for (const key of keys) {
      expect(getSmsTemplate("zh-HK", key), key).not.toMatch(/[还账帐号请于询订时间这过联发们务录]|短信|咨询/);
      expect(getSmsTemplate("zh-CN", key), key).not.toMatch(/[還賬帳號請於詢訂時間這過聯發們務錄]|短訊|查詢/);
      expect(getSmsTemplate("en", key), key).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it("renders the design's example reminder", () => {
    expect(renderSms("zh-HK", "reminder.early.B", demoVars)).toBe(
      "【Settle Bank】陳先生，您尾號1234帳戶已逾期，應還HK$1,234.00，請於11月30日前還款 https://s.example/r/Ab3dEf9hJk12345 查詢2233 8000 回T退訂",
    );
  });
});

describe("renderSms", () => {
  it("never leaves a placeholder behind when every value is given", () => {
    for (const { locale, key } of cases) expect(renderSms(locale, key, demoVars)).not.toMatch(/\{\{|\}\}/);
  });

  it("throws a typed error naming the missing value", () => {
    const { link: _link, ...withoutLink } = demoVars;
    const error = errorOf(() => renderSms("en", "reminder.mid.A", withoutLink));
    expect(error.code).toBe("missing_value");
    expect(error.placeholder).toBe("link");
    expect(errorOf(() => renderSms("en", "reminder.mid.A", { ...demoVars, amount: "  " })).code).toBe(
      "missing_value",
    );
  });

  it("ignores values the template does not use", () => {
    expect(requiredSmsVars("confirmation.help")).toEqual(["bank", "hotline"]);
    expect(renderSms("en", "confirmation.help", { bank: "B", hotline: "1" })).toBe(
      "B: Payment reminder texts. For help, call 1. Reply STOP to opt out",
    );
  });

  it("rejects values with line breaks, control or bidi characters, or braces", () => {
    for (const bad of [
      "Mr\nChan",
      "Mr\rChan",
      "a\tb",
      "x\u0000",
      "\u202Eevil",
      "a\u2028b",
      "{{link}}",
      "}}",
    ]) {
      const error = errorOf(() => renderSms("en", "reminder.due.A", { ...demoVars, name: bad }));
      expect(error.code).toBe("unsafe_value");
      expect(error.placeholder).toBe("name");
    }
  });

  it("rejects unknown keys, including prototype names", () => {
    for (const key of [
      "reminder.early.C",
      "reminder.nope.A",
      "confirmation.toString",
      "reminder.__proto__.A",
      "x",
    ]) {
      expect(errorOf(() => renderSms("en", key as SmsTemplateKey, demoVars)).code).toBe("unknown_template");
    }
  });

  it("builds reminder keys from stage and variant", () => {
    expect(reminderTemplateKey("serious", "B")).toBe("reminder.serious.B");
    expect(keys).toContain(reminderTemplateKey("instalment_due", "A"));
  });

  it("substitutes any safe value verbatim, exactly once", () => {
    const safe = fc
      .string({ minLength: 1, maxLength: 40, unit: "grapheme" })
      .filter(
        (s) =>
          s.trim() !== "" &&
          !/[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|\{\{|\}\}/u.test(s),
      );
    fc.assert(
      fc.property(safe, safe, (name, amount) => {
        expect(fillSmsTemplate("{{name}} owes {{ amount }}.", { name, amount })).toBe(
          `${name} owes ${amount}.`,
        );
      }),
    );
    // String.replace patterns in a value stay literal.
    expect(fillSmsTemplate("{{name}}", { name: "$& $1 $$" })).toBe("$& $1 $$");
  });
});

describe("fillSmsTemplate on staff-edited bodies", () => {
  it("rejects unknown and malformed placeholders instead of sending them", () => {
    expect(errorOf(() => fillSmsTemplate("Hi {{firstName}}", demoVars)).code).toBe("unknown_placeholder");
    expect(errorOf(() => fillSmsTemplate("Pay {{amount}", demoVars)).code).toBe("malformed_template");
    expect(errorOf(() => fillSmsTemplate("Pay {{amount, currency}}", demoVars)).code).toBe(
      "malformed_template",
    );
    expect(errorOf(() => fillSmsTemplate("Pay {{- amount}}", demoVars)).code).toBe("malformed_template");
  });

  it("lists placeholders in order of first use", () => {
    expect(smsTemplatePlaceholders("{{bank}} {{name}} {{bank}} {{ link }}")).toEqual([
      "bank",
      "name",
      "link",
    ]);
  });
});
