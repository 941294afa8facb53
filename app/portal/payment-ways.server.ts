import { bankIntegrationConfig } from "../bank/config.server";
import { checkoutMethodsFor, offersFps } from "../domain/payment-methods";
import { stripeConfig } from "../payments/stripe-config.server";

/** The ways to pay the pay page lists for an account's currency: Stripe's (by market) and FPS from the borrower's bank. */
export function paymentWays(currency: string): { checkout: string[]; fpsId: string | null } {
  const fpsId = bankIntegrationConfig().fpsId;
  return {
    checkout: checkoutMethodsFor(currency, stripeConfig().paymentMethods),
    fpsId: offersFps(currency, fpsId) ? fpsId : null,
  };
}
