/**
 * The local Stripe test double as a process of its own, for a production build run without a Stripe key
 * (the end-to-end suite, local demos of `npm start`): `npm run stripe:double`. It reads the same settings
 * as the app (PORT, HOST, PUBLIC_BASE_URL, STRIPE_TEST_DOUBLE_PORT, STRIPE_WEBHOOK_SECRET) and serves
 * until it is stopped. `npm run dev` starts it by itself.
 */
import { config } from "../../app/platform/config.server";
import { stripeConfig, testDoubleEndpoints } from "../../app/payments/stripe-config.server";
import { startStripeTestDouble } from "./stripe-double";

const stripe = stripeConfig();
const double = await startStripeTestDouble({
  port: stripe.testDoublePort,
  webhookSecret: stripe.webhookSecret,
  ...testDoubleEndpoints(config(), stripe),
});
process.stdout.write(`Stripe test double on ${double.url}\n`);
const stop = () => void double.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
