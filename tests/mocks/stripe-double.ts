import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { formatMoney } from "../../app/domain/money";
import { logger } from "../../app/platform/logger.server";
import { createLedger } from "./stripe-double-ledger";
import { createSetupMode, setupPage, type ApiAnswer, type TestCard } from "./stripe-double-setup";

/**
 * A local stand-in for the slice of Stripe that Settle uses, for development
 * and tests only (no money moves). It speaks the Stripe API the way the real
 * SDK calls it (form-encoded bodies, Bearer key, Idempotency-Key) for Checkout
 * Sessions, serves a plain-HTML test checkout page, and on "Pay" / "Decline card"
 * sends webhooks signed with the configured secret, as Stripe does: delivered
 * asynchronously, independently of each other and of the browser's redirect,
 * retried on failure. State lives in memory.
 *
 * Refunds and disputes: `POST /v1/refunds` (the SDK's `refunds.create`, partial or full) sends
 * `charge.refunded` with the cumulative `amount_refunded`; a dispute is opened with `dispute()` (or
 * `POST /test/payment_intents/:id/dispute`, standing in for Stripe's disputed test card) and sends
 * `charge.dispute.created`; `disputes.close` (accepting it) loses it, and `disputes.update` with the
 * evidence text `winning_evidence` or `losing_evidence` (as in Stripe's test mode) wins or loses it,
 * each sending `charge.dispute.closed`.
 *
 * Each charge, refund, dispute and won dispute is also a balance transaction with Stripe-like fees,
 * listed by `GET /v1/balance_transactions` (stripe-double-ledger.ts), for reconciliation.
 *
 * Saved payment methods for autopay (Customers, Checkout in setup mode, off-session PaymentIntents,
 * detaching) are in stripe-double-setup.ts.
 */
export interface StripeTestDoubleOptions {
  /** 0 picks a free port. */
  port: number;
  /** Webhooks go to `${appBaseUrl}/webhooks/stripe`. */
  appBaseUrl: string;
  webhookSecret: string;
  /** Listen address; loopback by default. */
  host?: string;
  /** Origin the browser uses for the checkout page (default http://<host>:<port>). */
  publicOrigin?: string;
}

export interface StripeTestDouble {
  /** Origin of the checkout pages (what the app's CSP form-action must allow). */
  url: string;
  port: number;
  /** Resolves when no webhook delivery is in flight (tests). */
  idle(): Promise<void>;
  /** Opens a dispute on a paid PaymentIntent's charge (the whole amount unless given); its id. */
  dispute(paymentIntentId: string, amountMinor?: number): string;
  /** A saved payment method as the double holds it (customer null once detached), or undefined. */
  paymentMethod(id: string): { id: string; card: TestCard; customer: string | null } | undefined;
  /** Puts another test card behind a saved method, e.g. funds arrived after an insufficient-funds decline. */
  setCard(paymentMethodId: string, card: TestCard): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface SessionState {
  session: Json & { id: string; status: string; payment_status: string; payment_intent: string | null };
  paymentIntentMetadata: Record<string, string>;
  itemName: string;
  currency: string;
  amountTotal: number;
}

interface ChargeState {
  intentId: string;
  chargeId: string;
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  amountRefunded: number;
  dispute: (Json & { id: string; status: string }) | null;
}

const RETRY_DELAYS_MS = [250, 1_000, 3_000];
const MAX_BODY_BYTES = 256 * 1024;

export async function startStripeTestDouble(opts: StripeTestDoubleOptions): Promise<StripeTestDouble> {
  const host = opts.host ?? "127.0.0.1";
  const sessions = new Map<string, SessionState>();
  /** Paid PaymentIntents by id, with their charge's refunds and dispute. */
  const charges = new Map<string, ChargeState>();
  const idempotency = new Map<string, { body: string; status: number; response: Json }>();
  const ledger = createLedger();
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let publicOrigin = opts.publicOrigin ?? "";
  const setup = createSetupMode({ deliver, recordCharge, publicOrigin: () => publicOrigin, token });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        "stripe test double failed",
      );
      if (!res.headersSent)
        sendJson(res, 500, { error: { type: "api_error", message: "test double failure" } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    let m: RegExpExecArray | null;

    if (method === "GET" && path === "/health") return sendText(res, 200, "ok");
    if (path.startsWith("/v1/")) {
      if (!/^Bearer sk_test_\w+$/.test(req.headers.authorization ?? "")) {
        return sendJson(res, 401, {
          error: {
            type: "invalid_request_error",
            message: "Invalid API Key provided (test double accepts sk_test_ keys)",
          },
        });
      }
      if (method === "POST" && path === "/v1/checkout/sessions") return createSession(req, res);
      if (method === "POST" && path === "/v1/customers")
        return idempotent(req, res, (params) => setup.createCustomer(params));
      if (method === "POST" && path === "/v1/payment_intents")
        return idempotent(req, res, (params) => setup.createPaymentIntent(params));
      if (method === "POST" && (m = /^\/v1\/payment_methods\/(pm_test_\w+)\/detach$/.exec(path))) {
        await readBody(req);
        const [status, body] = setup.detach(m[1]!);
        return sendJson(res, status, body);
      }
      if (method === "GET" && path === "/v1/balance_transactions")
        return sendJson(res, 200, ledger.list(parseStripeForm(url.search.slice(1))));
      if (method === "POST" && path === "/v1/refunds")
        return refund(parseStripeForm(await readBody(req)), res);
      if (method === "POST" && (m = /^\/v1\/disputes\/(dp_test_\w+)(\/close)?$/.exec(path))) {
        const form = parseStripeForm(await readBody(req));
        const evidence = (form.evidence as Json | undefined)?.uncategorized_text;
        const verdict = m[2]
          ? "lost"
          : evidence === "winning_evidence"
            ? "won"
            : evidence === "losing_evidence"
              ? "lost"
              : null;
        return closeDispute(m[1]!, verdict, res);
      }
      if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/(cs_test_\w+)$/.exec(path))) {
        const state = sessions.get(m[1]!);
        if (!state)
          return sendJson(res, 404, {
            error: {
              type: "invalid_request_error",
              code: "resource_missing",
              message: `No such checkout.session: '${m[1]}'`,
            },
          });
        return sendJson(res, 200, state.session);
      }
      return sendJson(res, 404, {
        error: {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${method}: ${path}) in the test double`,
        },
      });
    }
    if (method === "POST" && (m = /^\/test\/payment_intents\/(pi_test_\w+)\/dispute$/.exec(path))) {
      const state = charges.get(m[1]!);
      if (!state) return sendText(res, 404, "No such paid payment intent");
      return sendJson(res, 200, { id: openDispute(state, state.amount - state.amountRefunded) });
    }
    if ((m = /^\/checkout\/(cs_test_\w+)(?:\/(setup))?$/.exec(path)) && setup.session(m[1]!)) {
      const state = setup.session(m[1]!)!;
      if (method === "GET" && !m[2]) return sendSetupHtml(res, state.session);
      if (method === "POST" && m[2] === "setup") {
        const card = new URLSearchParams(await readBody(req)).get("card") ?? "";
        return setup.save(res, state, card);
      }
    }
    if ((m = /^\/checkout\/(cs_test_\w+)(?:\/(pay|decline))?$/.exec(path))) {
      const state = sessions.get(m[1]!);
      if (!state) return sendText(res, 404, "No such checkout session");
      if (method === "GET" && !m[2]) return sendHtml(res, state);
      if (method === "POST" && m[2] === "pay") return pay(res, state);
      if (method === "POST" && m[2] === "decline") return decline(res, state);
    }
    return sendText(res, 404, "Not found");
  }

  /** A POST answered once per Idempotency-Key, replayed for the same body, refused for another (as Stripe). */
  async function idempotent(req: IncomingMessage, res: ServerResponse, answer: (params: Json) => ApiAnswer) {
    const body = await readBody(req);
    const key = header(req, "idempotency-key");
    if (key) {
      const seen = idempotency.get(key);
      if (seen && seen.body !== body) {
        return sendJson(res, 400, {
          error: {
            type: "idempotency_error",
            message:
              "Keys for idempotent requests can only be used with the same parameters they were first used with.",
          },
        });
      }
      if (seen) return sendJson(res, seen.status, seen.response, { "Idempotent-Replayed": "true" });
    }
    const [status, response] = answer(parseStripeForm(body));
    if (key) idempotency.set(key, { body, status, response });
    return sendJson(res, status, response);
  }

  function createSession(req: IncomingMessage, res: ServerResponse) {
    return idempotent(req, res, (params): ApiAnswer => {
      if (params.mode === "setup") return setup.createSetupSession(params);
      const problem = validateSessionParams(params);
      return problem
        ? [400, { error: { type: "invalid_request_error", message: problem } }]
        : [200, newSession(params).session];
    });
  }

  /** A succeeded off-session charge, kept like a Checkout one for refunds, disputes and the balance. */
  function recordCharge(
    intentId: string,
    amount: number,
    currency: string,
    metadata: Record<string, string>,
  ) {
    const charge: ChargeState = {
      intentId,
      chargeId: `ch_test_${token(24)}`,
      amount,
      currency,
      metadata,
      amountRefunded: 0,
      dispute: null,
    };
    charges.set(intentId, charge);
    ledger.record("charge", amount, currency, chargeObject(charge));
    return charge.chargeId;
  }

  function newSession(params: Json): SessionState {
    const items = params.line_items as Array<{
      quantity: string;
      price_data: { currency: string; unit_amount: string; product_data?: { name?: string } };
    }>;
    const currency = items[0]!.price_data.currency.toLowerCase();
    const amountTotal = items.reduce(
      (sum, li) => sum + Number(li.price_data.unit_amount) * Number(li.quantity),
      0,
    );
    const id = `cs_test_${token(24)}`;
    const created = Math.floor(Date.now() / 1000);
    const state: SessionState = {
      session: {
        id,
        object: "checkout.session",
        amount_subtotal: amountTotal,
        amount_total: amountTotal,
        cancel_url: (params.cancel_url as string | undefined) ?? null,
        client_reference_id: (params.client_reference_id as string | undefined) ?? null,
        created,
        currency,
        expires_at: created + 24 * 3600,
        livemode: false,
        locale: (params.locale as string | undefined) ?? null,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        mode: "payment",
        payment_intent: null,
        payment_method_types: (params.allowed_payment_method_types as string[] | undefined) ?? ["card"],
        payment_status: "unpaid",
        status: "open",
        success_url: params.success_url as string,
        url: `${publicOrigin}/checkout/${id}`,
      },
      paymentIntentMetadata:
        ((params.payment_intent_data as Json | undefined)?.metadata as Record<string, string> | undefined) ??
        {},
      itemName: items[0]!.price_data.product_data?.name ?? "Payment",
      currency,
      amountTotal,
    };
    sessions.set(id, state);
    return state;
  }

  function paymentIntent(state: SessionState, status: "succeeded" | "requires_payment_method"): Json {
    const id = state.session.payment_intent ?? `pi_test_${token(24)}`;
    state.session.payment_intent = id;
    return {
      id,
      object: "payment_intent",
      amount: state.amountTotal,
      amount_received: status === "succeeded" ? state.amountTotal : 0,
      currency: state.currency,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      metadata: state.paymentIntentMetadata,
      status,
      latest_charge: status === "succeeded" ? `ch_test_${token(24)}` : null,
      last_payment_error:
        status === "succeeded"
          ? null
          : {
              type: "card_error",
              code: "card_declined",
              decline_code: "generic_decline",
              message: "Your card was declined.",
            },
    };
  }

  function chargeObject(c: ChargeState): Json {
    return {
      id: c.chargeId,
      object: "charge",
      amount: c.amount,
      amount_captured: c.amount,
      amount_refunded: c.amountRefunded,
      currency: c.currency,
      disputed: c.dispute !== null,
      livemode: false,
      metadata: c.metadata,
      paid: true,
      payment_intent: c.intentId,
      refunded: c.amountRefunded === c.amount,
      status: "succeeded",
    };
  }

  function refund(params: Json, res: ServerResponse) {
    const c = charges.get(String(params.payment_intent ?? ""));
    if (!c)
      return sendJson(res, 400, {
        error: { type: "invalid_request_error", message: "No such payment_intent (test double)" },
      });
    const left = c.amount - c.amountRefunded;
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left)
      return sendJson(res, 400, {
        error: {
          type: "invalid_request_error",
          code: "charge_already_refunded",
          message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        },
      });
    c.amountRefunded += amount;
    const refunded = {
      id: `re_test_${token(24)}`,
      object: "refund",
      amount,
      charge: c.chargeId,
      currency: c.currency,
      payment_intent: c.intentId,
      status: "succeeded",
    };
    ledger.record("refund", -amount, c.currency, refunded);
    deliver("charge.refunded", chargeObject(c));
    return sendJson(res, 200, refunded);
  }

  function disputeObject(c: ChargeState, fields: Json & { id: string; status: string }) {
    return {
      object: "dispute",
      charge: c.chargeId,
      payment_intent: c.intentId,
      currency: c.currency,
      ...fields,
    };
  }

  function openDispute(c: ChargeState, amountMinor: number): string {
    if (c.dispute) return c.dispute.id;
    c.dispute = disputeObject(c, {
      id: `dp_test_${token(24)}`,
      amount: amountMinor,
      reason: "fraudulent",
      status: "needs_response",
      livemode: false,
    });
    ledger.record("dispute", -amountMinor, c.currency, { ...c.dispute });
    deliver("charge.dispute.created", { ...c.dispute });
    return c.dispute.id;
  }

  function closeDispute(id: string, verdict: "won" | "lost" | null, res: ServerResponse) {
    const c = [...charges.values()].find((s) => s.dispute?.id === id);
    if (!c?.dispute)
      return sendJson(res, 404, {
        error: {
          type: "invalid_request_error",
          code: "resource_missing",
          message: `No such dispute: '${id}'`,
        },
      });
    if (verdict && (c.dispute.status === "needs_response" || c.dispute.status === "under_review")) {
      c.dispute.status = verdict;
      if (verdict === "won")
        ledger.record("dispute_reversal", Number(c.dispute.amount), c.currency, { ...c.dispute });
      deliver("charge.dispute.closed", { ...c.dispute });
    }
    return sendJson(res, 200, c.dispute);
  }

  function pay(res: ServerResponse, state: SessionState) {
    if (state.session.status === "open") {
      const pi = paymentIntent(state, "succeeded");
      const charge: ChargeState = {
        intentId: String(pi.id),
        chargeId: String(pi.latest_charge),
        amount: state.amountTotal,
        currency: state.currency,
        metadata: state.paymentIntentMetadata,
        amountRefunded: 0,
        dispute: null,
      };
      charges.set(charge.intentId, charge);
      ledger.record("charge", charge.amount, charge.currency, chargeObject(charge));
      state.session.status = "complete";
      state.session.payment_status = "paid";
      deliver("checkout.session.completed", { ...state.session });
      deliver("payment_intent.succeeded", pi);
    }
    redirect(res, String(state.session.success_url).replace("{CHECKOUT_SESSION_ID}", state.session.id));
  }

  function decline(res: ServerResponse, state: SessionState) {
    if (state.session.status === "open")
      deliver("payment_intent.payment_failed", paymentIntent(state, "requires_payment_method"));
    redirect(res, String(state.session.cancel_url ?? state.session.success_url));
  }

  function deliver(type: string, object: Json) {
    const event = {
      id: `evt_test_${token(24)}`,
      object: "event",
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    const payload = JSON.stringify(event);
    const job = (async () => {
      for (let attempt = 0; ; attempt++) {
        const failure = await postWebhook(payload);
        if (!failure) return;
        if (attempt >= RETRY_DELAYS_MS.length || stopping.signal.aborted) {
          logger.warn(
            { type, eventId: event.id, failure },
            "stripe test double gave up delivering a webhook",
          );
          return;
        }
        await sleep(RETRY_DELAYS_MS[attempt]!, stopping.signal);
      }
    })();
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  }

  async function postWebhook(payload: string): Promise<string | null> {
    try {
      // Signed at send time, like Stripe: a retry carries a fresh timestamp.
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.webhookSecret });
      const response = await fetch(`${opts.appBaseUrl.replace(/\/$/, "")}/webhooks/stripe`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Stripe-Signature": signature,
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  publicOrigin ||= `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url: publicOrigin,
    port,
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    dispute(paymentIntentId: string, amountMinor?: number) {
      const c = charges.get(paymentIntentId);
      if (!c) throw new Error(`no paid payment intent ${paymentIntentId} in the test double`);
      return openDispute(c, amountMinor ?? c.amount - c.amountRefunded);
    },
    paymentMethod: (id) => setup.paymentMethod(id),
    setCard: (id, card) => setup.setCard(id, card),
    async close() {
      stopping.abort();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/** What Stripe would refuse for the parameters Settle sends; null when acceptable. */
function validateSessionParams(p: Json): string | null {
  if (p.mode !== "payment") return "The test double supports mode=payment only";
  if (typeof p.success_url !== "string" || !/^https?:\/\//.test(p.success_url))
    return "Missing required param: success_url";
  const items = p.line_items;
  if (!Array.isArray(items) || items.length === 0) return "Missing required param: line_items";
  for (const li of items as Json[]) {
    const pd = li.price_data as Json | undefined;
    if (!pd || typeof pd.currency !== "string" || !/^[a-z]{3}$/.test(pd.currency))
      return "Invalid currency: line_items[].price_data.currency";
    if (!/^[1-9]\d{0,11}$/.test(String(pd.unit_amount)))
      return "Invalid integer: line_items[].price_data.unit_amount";
    if (!/^[1-9]\d{0,3}$/.test(String(li.quantity))) return "Invalid integer: line_items[].quantity";
  }
  return null;
}

/** Decodes Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function parseStripeForm(body: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = [...key.matchAll(/^[^[\]]+|\[([^\]]*)\]/g)].map((m) => m[1] ?? m[0]);
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return arraysFromIndexes(root) as Json;
}

function arraysFromIndexes(value: unknown): unknown {
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => [k, arraysFromIndexes(v)] as const,
  );
  const isList = entries.length > 0 && entries.every(([k], i) => k === String(i));
  return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

function checkoutPage(state: SessionState): { html: string; formTargets: string[] } {
  const s = state.session;
  // The page's words are English; only the amount follows the session's locale, as Stripe would show it.
  const amountLocale = s.locale === "zh-HK" ? "zh-HK" : s.locale === "zh" ? "zh-CN" : "en";
  const amount = formatMoney(
    { minor: state.amountTotal, currency: state.currency.toUpperCase() },
    amountLocale,
  );
  const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const open = s.status === "open";
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Test checkout</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1a1f29}
.banner{background:#fff4d6;border-left:5px solid #8a5a00;padding:.5rem .75rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
button{font:inherit;font-weight:600;min-height:44px;min-width:44px;padding:.6rem 1.2rem;border-radius:8px;border:2px solid #0b5cab;cursor:pointer;margin:.25rem 0}
.pay{background:#0b5cab;color:#fff}.decline{background:#fff;color:#0b5cab}
</style></head>
<body><main>
<p class="banner"><strong>Test mode.</strong> This page stands in for Stripe Checkout. No real money moves.</p>
<h1>Test checkout</h1>
<p>${esc(state.itemName)}</p>
<p>Amount to pay</p>
<p class="amount" data-testid="amount">${esc(amount)}</p>
<p>Currency: <span data-testid="currency">${esc(state.currency.toUpperCase())}</span></p>
${
  open
    ? `<form method="post" action="/checkout/${s.id}/pay"><button type="submit" class="pay">Pay</button></form>
<form method="post" action="/checkout/${s.id}/decline"><button type="submit" class="decline">Decline card</button></form>`
    : `<p>This checkout session is ${esc(s.status)}.</p>`
}
${s.cancel_url ? `<p><a href="${esc(String(s.cancel_url))}">Back</a></p>` : ""}
</main></body></html>`;
  const formTargets = [s.success_url, s.cancel_url]
    .filter((u): u is string => typeof u === "string")
    .map((u) => new URL(u).origin);
  return { html, formTargets };
}

function sendHtml(res: ServerResponse, state: SessionState) {
  const { html, formTargets } = checkoutPage(state);
  // Chromium applies form-action to the redirect after a form post: allow the app's return pages.
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${[...new Set(formTargets)].join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
  });
  res.end(html);
}

function sendSetupHtml(res: ServerResponse, session: Json & { id: string; status: string }) {
  const targets = [session.success_url, session.cancel_url]
    .filter((u): u is string => typeof u === "string")
    .map((u) => new URL(u).origin);
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${[...new Set(targets)].join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
  });
  res.end(setupPage(session));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Request-Id": `req_${token(14)}`,
    "Stripe-Version": Stripe.API_VERSION,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function token(length: number): string {
  return randomBytes(length).toString("base64url").replace(/[-_]/g, "").slice(0, length).padEnd(length, "0");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
