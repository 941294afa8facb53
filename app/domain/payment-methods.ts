/**
 * Which ways to pay a borrower is offered, by the account's currency (docs/product-rules.md §6).
 *
 * Card is offered everywhere. Alipay and WeChat Pay are offered only to accounts in Hong Kong or
 * mainland China currencies, even when the bank has enabled them in Stripe: a borrower in London
 * shown a WeChat Pay button would be shown a way to pay that fails at the wallet. Other Stripe
 * types the bank enables pass through unchanged (the bank chose them for its market). FPS, Hong
 * Kong's instant bank transfer, is not a Stripe method: the borrower pays from their own bank, and
 * the bank reports the money to Settle as an offline payment.
 */
const MARKET_LIMITED: Readonly<Record<string, readonly string[]>> = {
  alipay: ["HKD", "CNY"],
  wechat_pay: ["HKD", "CNY"],
};

/** The Stripe Checkout payment method types for one currency, card first. */
export function checkoutMethodsFor(currency: string, enabled: readonly string[]): string[] {
  const inMarket = enabled.filter((type) => MARKET_LIMITED[type]?.includes(currency) ?? true);
  return ["card", ...inMarket.filter((type) => type !== "card")];
}

/** Whether the FPS note (pay from your bank app, reported by the bank) applies to this currency. */
export function offersFps(currency: string, fpsId: string | null): fpsId is string {
  return currency === "HKD" && fpsId !== null;
}
