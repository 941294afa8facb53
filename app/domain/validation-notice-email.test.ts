import { describe, expect, it } from "vitest";
import { renderValidationNoticeEmail } from "./validation-notice-email";

const vars = {
  bank: "Settle Bank",
  last4: "4321",
  body: "Dear <b>Chris</b> & co,\n\nYou dispute the debt.\nCall 2233 8000.\n\nSettle Bank",
  unsubscribe: "https://pay.example.test/email/unsubscribe/abc.def?lng=en",
};

describe("the validation notice email", () => {
  it("carries the recorded text word for word, and escapes it in the HTML part, one paragraph per blank line", () => {
    const email = renderValidationNoticeEmail("en", vars);
    expect(email.subject).toBe("Settle Bank: validation notice for your disputed account ending 4321");
    expect(email.text.startsWith(`${vars.body}\n\n--\n`)).toBe(true);
    expect(email.text).toContain(vars.unsubscribe);
    expect(email.html).toContain("<p>Dear &lt;b&gt;Chris&lt;/b&gt; &amp; co,</p>");
    expect(email.html).toContain("<p>You dispute the debt.<br>Call 2233 8000.</p>");
    expect(email.html).not.toContain("<b>Chris</b>");
    expect(email.html).toContain(`<a href="${vars.unsubscribe}">`);
  });

  it("writes the subject and the opt-out in the notice's language", () => {
    const hk = renderValidationNoticeEmail("zh-HK", vars);
    expect(hk.subject).toBe("Settle Bank：有關您尾號4321賬戶爭議的債務核實通知");
    expect(hk.html).toContain('<html lang="zh-HK">');
    expect(hk.text).toContain("取消訂閱這些電郵");
    expect(renderValidationNoticeEmail("zh-CN", vars).subject).toContain("债务核实通知");
  });

  it("refuses control or bidi characters, a subject value on two lines, and a link that is not http(s)", () => {
    expect(() => renderValidationNoticeEmail("en", { ...vars, body: "Pay \u202Eevil" })).toThrow();
    expect(() => renderValidationNoticeEmail("en", { ...vars, body: "a\u0000b" })).toThrow();
    expect(() => renderValidationNoticeEmail("en", { ...vars, bank: "Bank\nBcc: x@y" })).toThrow();
    expect(() =>
      renderValidationNoticeEmail("en", { ...vars, unsubscribe: "javascript:alert(1)" }),
    ).toThrow();
  });
});
