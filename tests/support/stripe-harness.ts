import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import type { Account } from "../../db/schema";
import { startCheckout } from "../../app/payments/payments.server";
import { createStripeClient } from "../../app/payments/stripe-client.server";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import { action as webhookAction } from "../../app/routes/webhooks.stripe";
import { startStripeTestDouble, type StripeTestDouble } from "../mocks/stripe-double";
import type { insertAccount } from "./builders";
import type { TestDatabase } from "./database";
import { freePort } from "./free-port";
import { signedInBorrower } from "./signed-in-borrower";

export const PORTAL_BASE = "http://portal.test";

/**
 * Payments below the browser: the real Stripe SDK over HTTP against the test double, whose signed webhooks
 * reach the real webhook route through a small HTTP server standing in for the app. The route's own SDK
 * (stripeClient()) reads STRIPE_TEST_DOUBLE_PORT on first use, so this sets it before any route runs.
 */
export async function startStripeHarness(t: TestDatabase) {
  const ctx = () => ({ db: t.db, cspNonce: "x", publicBaseUrl: PORTAL_BASE });
  const app: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(`${PORTAL_BASE}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
    });
    const response = await webhookAction({ request, params: {}, context: ctx() });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  const port = await freePort();
  process.env.STRIPE_TEST_DOUBLE_PORT = String(port);
  const double: StripeTestDouble = await startStripeTestDouble({
    port,
    appBaseUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    webhookSecret: DEV_WEBHOOK_SECRET,
  });
  const stripe: Stripe = createStripeClient({ secretKey: null, testDoublePort: port });

  const verifiedBorrower = (overrides: Parameters<typeof insertAccount>[1] = {}) =>
    signedInBorrower(t.db, overrides);

  function payments(account: Account) {
    return t.db.selectFrom("payments").selectAll().where("account_id", "=", account.id).execute();
  }

  /** The overdue amount paid on the double's checkout page, its webhooks applied. */
  async function paidThroughDouble(overrides: Parameters<typeof insertAccount>[1] = {}) {
    const { account, session } = await verifiedBorrower(overrides);
    const { url } = await startCheckout(t.db, {
      session,
      amountChoice: "overdue",
      baseUrl: PORTAL_BASE,
      stripe,
    });
    await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    await double.idle();
    const [row] = await payments(account);
    if (row?.status !== "succeeded") throw new Error(`payment not applied: ${row?.status}`);
    return { account, payment: row, pi: row.stripe_payment_intent_id! };
  }

  async function close() {
    await double.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  }

  return { double, stripe, ctx, verifiedBorrower, payments, paidThroughDouble, close };
}
