import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import type { Account } from "../../db/schema";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { startCheckout } from "../../app/payments/payments.server";
import { createStripeClient } from "../../app/payments/stripe-client.server";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import { action as webhookAction } from "../../app/routes/webhooks.stripe";
import { startStripeTestDouble, type StripeTestDouble } from "../mocks/stripe-double";
import { insertAccount } from "./builders";
import type { TestDatabase } from "./database";
import { freePort } from "./free-port";

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

  /** A borrower signed in on a live link to a fresh account (HK$5,000.00 owed, HK$1,234.00 overdue). */
  async function verifiedBorrower(overrides: Parameters<typeof insertAccount>[1] = {}) {
    const account = await insertAccount(t.db, {
      balance_minor: 500_000,
      overdue_minor: 123_400,
      balance_as_of: new Date(Date.now() - 60_000),
      ...overrides,
    });
    const link = await t.db
      .insertInto("short_links")
      .values({
        code_hash: `h-${account.id}`,
        key_id: "d",
        borrower_id: account.borrower_id,
        account_id: account.id,
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const cookie = await startBorrowerSession(t.db, {
      borrowerId: account.borrower_id,
      accountId: account.id,
      linkId: link.id,
    });
    const session = { id: "s", borrowerId: account.borrower_id, accountId: account.id, linkId: link.id };
    return { account, cookie, session };
  }

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
