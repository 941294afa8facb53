import Stripe from "stripe";
import { stripeConfig, type StripeConfig } from "./stripe-config.server";

/** The key the SDK presents to the test double (it accepts any sk_test_ key). */
const TEST_DOUBLE_KEY = "sk_test_double";

/** The real Stripe SDK: against Stripe with a key, otherwise against the local test double over HTTP. */
export function createStripeClient(cfg: Pick<StripeConfig, "secretKey" | "testDoublePort">): Stripe {
  const common = { maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: "Settle" } } as const;
  if (cfg.secretKey) return new Stripe(cfg.secretKey, common);
  return new Stripe(TEST_DOUBLE_KEY, {
    ...common,
    host: "127.0.0.1",
    port: cfg.testDoublePort,
    protocol: "http",
  });
}

let cached: Stripe | undefined;
export function stripeClient(): Stripe {
  cached ??= createStripeClient(stripeConfig());
  return cached;
}
