import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkoutMethodsFor, offersFps } from "./payment-methods";

const enabledTypes = fc.subarray(["card", "alipay", "wechat_pay", "link", "paynow"]);
const currencies = fc.constantFrom("HKD", "CNY", "USD", "GBP", "SGD", "MOP", "TWD");

describe("payment methods by market", () => {
  it("offers card, Alipay and WeChat Pay to a Hong Kong dollar or renminbi account", () => {
    expect(checkoutMethodsFor("HKD", ["card", "alipay", "wechat_pay"])).toEqual([
      "card",
      "alipay",
      "wechat_pay",
    ]);
    expect(checkoutMethodsFor("CNY", ["wechat_pay", "alipay"])).toEqual(["card", "wechat_pay", "alipay"]);
  });

  it("offers only card to a US dollar or sterling account, whatever the bank enabled", () => {
    expect(checkoutMethodsFor("USD", ["card", "alipay", "wechat_pay"])).toEqual(["card"]);
    expect(checkoutMethodsFor("GBP", ["alipay"])).toEqual(["card"]);
  });

  it("always offers card first, never a wallet outside its market, and nothing twice", () => {
    fc.assert(
      fc.property(currencies, enabledTypes, (currency, enabled) => {
        const methods = checkoutMethodsFor(currency, enabled);
        expect(methods[0]).toBe("card");
        expect(new Set(methods).size).toBe(methods.length);
        if (!["HKD", "CNY"].includes(currency)) {
          expect(methods).not.toContain("alipay");
          expect(methods).not.toContain("wechat_pay");
        }
        for (const type of methods) expect(type === "card" || enabled.includes(type)).toBe(true);
      }),
    );
  });

  it("notes FPS only for Hong Kong dollar accounts of a bank that gave its FPS identifier", () => {
    expect(offersFps("HKD", "1234567")).toBe(true);
    expect(offersFps("HKD", null)).toBe(false);
    expect(offersFps("CNY", "1234567")).toBe(false);
  });
});
