import type { ServerResponse } from "node:http";

/**
 * The test double's saved payment methods, for autopay (docs/product-rules.md §7.11): Customers
 * (`POST /v1/customers`), Checkout in `mode: "setup"` with a test page where a test card is chosen and
 * saved (sending `checkout.session.completed` and `setup_intent.succeeded`, signed like every webhook),
 * off-session PaymentIntents (`POST /v1/payment_intents` with `confirm` and `off_session`) that succeed or
 * fail by the saved test card as Stripe's test cards do, and `POST /v1/payment_methods/:id/detach`.
 */
type Json = Record<string, unknown>;

/** Stripe's test cards for saved methods, and what an off-session charge on each does. */
const TEST_CARDS = {
  "4242424242424242": { label: "Visa 4242: charges succeed", outcome: "succeeds" },
  "4000000000009995": {
    label: "Visa 9995: declined, insufficient funds",
    outcome: { code: "card_declined", decline_code: "insufficient_funds" },
  },
  "4000000000009987": {
    label: "Visa 9987: declined, lost card",
    outcome: { code: "card_declined", decline_code: "lost_card" },
  },
  "4000002760003184": {
    label: "Visa 3184: needs authentication",
    outcome: { code: "authentication_required", decline_code: null },
  },
} as const;
export type TestCard = keyof typeof TEST_CARDS;

interface SetupSession {
  session: Json & { id: string; status: string; setup_intent: string | null; success_url: string };
  customer: string;
  setupIntentMetadata: Record<string, string>;
}

interface PaymentMethod {
  id: string;
  card: TestCard;
  customer: string | null;
}

export interface SetupModeDeps {
  deliver(type: string, object: Json): void;
  /** A succeeded charge: kept for refunds and disputes, and written to the double's balance. */
  recordCharge(intentId: string, amount: number, currency: string, metadata: Record<string, string>): string;
  publicOrigin(): string;
  token(length: number): string;
}

export type ApiAnswer = [status: number, body: Json];

export function createSetupMode(deps: SetupModeDeps) {
  const customers = new Map<string, Json>();
  const sessions = new Map<string, SetupSession>();
  const methods = new Map<string, PaymentMethod>();

  function createCustomer(params: Json): ApiAnswer {
    const id = `cus_test_${deps.token(14)}`;
    const customer = { id, object: "customer", metadata: params.metadata ?? {}, livemode: false };
    customers.set(id, customer);
    return [200, customer];
  }

  function createSetupSession(params: Json): ApiAnswer {
    const customer = String(params.customer ?? "");
    if (!customers.has(customer))
      return [400, invalid("A setup-mode session needs an existing customer (test double)")];
    if (typeof params.success_url !== "string" || !/^https?:\/\//.test(params.success_url))
      return [400, invalid("Missing required param: success_url")];
    const id = `cs_test_${deps.token(24)}`;
    const state: SetupSession = {
      session: {
        id,
        object: "checkout.session",
        mode: "setup",
        customer,
        client_reference_id: (params.client_reference_id as string | undefined) ?? null,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        payment_status: "no_payment_required",
        status: "open",
        setup_intent: null,
        success_url: params.success_url,
        cancel_url: (params.cancel_url as string | undefined) ?? null,
        locale: (params.locale as string | undefined) ?? null,
        livemode: false,
        url: `${deps.publicOrigin()}/checkout/${id}`,
      },
      customer,
      setupIntentMetadata:
        ((params.setup_intent_data as Json | undefined)?.metadata as Record<string, string> | undefined) ??
        {},
    };
    sessions.set(id, state);
    return [200, state.session];
  }

  /** The borrower saved a test card on the setup page: the method, the SetupIntent and their webhooks. */
  function save(res: ServerResponse, state: SetupSession, card: string) {
    if (state.session.status === "open" && card in TEST_CARDS) {
      const pm: PaymentMethod = {
        id: `pm_test_${deps.token(24)}`,
        card: card as TestCard,
        customer: state.customer,
      };
      methods.set(pm.id, pm);
      const setupIntent = {
        id: `seti_test_${deps.token(24)}`,
        object: "setup_intent",
        customer: state.customer,
        payment_method: pm.id,
        metadata: state.setupIntentMetadata,
        status: "succeeded",
        usage: "off_session",
        livemode: false,
      };
      state.session.setup_intent = setupIntent.id;
      state.session.status = "complete";
      deps.deliver("checkout.session.completed", { ...state.session });
      deps.deliver("setup_intent.succeeded", setupIntent);
    }
    res.writeHead(303, { Location: state.session.success_url, "Cache-Control": "no-store" });
    res.end();
  }

  function createPaymentIntent(params: Json): ApiAnswer {
    const amount = Number(params.amount);
    const currency = String(params.currency ?? "").toLowerCase();
    if (!Number.isSafeInteger(amount) || amount <= 0 || !/^[a-z]{3}$/.test(currency))
      return [400, invalid("Invalid amount or currency (test double)")];
    if (params.confirm !== "true" || params.off_session !== "true")
      return [400, invalid("The test double supports confirm=true with off_session=true only")];
    const pm = methods.get(String(params.payment_method ?? ""));
    if (!pm || pm.customer === null || pm.customer !== params.customer)
      return [
        400,
        invalid(
          "The provided PaymentMethod does not belong to the Customer, or was detached.",
          "resource_missing",
        ),
      ];
    const metadata = (params.metadata as Record<string, string> | undefined) ?? {};
    const id = `pi_test_${deps.token(24)}`;
    const base = { id, object: "payment_intent", amount, currency, customer: pm.customer, metadata };
    const outcome = TEST_CARDS[pm.card].outcome;
    if (outcome === "succeeds") {
      const chargeId = deps.recordCharge(id, amount, currency, metadata);
      const pi = { ...base, status: "succeeded", amount_received: amount, latest_charge: chargeId };
      deps.deliver("payment_intent.succeeded", pi);
      return [200, pi];
    }
    const error = {
      type: "card_error",
      code: outcome.code,
      decline_code: outcome.decline_code,
      message:
        outcome.code === "authentication_required"
          ? "This payment requires authentication by the cardholder."
          : "Your card was declined.",
      payment_method: { id: pm.id, object: "payment_method" },
    };
    const pi = { ...base, status: "requires_payment_method", amount_received: 0, last_payment_error: error };
    deps.deliver("payment_intent.payment_failed", pi);
    return [402, { error: { ...error, payment_intent: pi } }];
  }

  function detach(id: string): ApiAnswer {
    const pm = methods.get(id);
    if (!pm) return [404, invalid(`No such PaymentMethod: '${id}'`, "resource_missing")];
    pm.customer = null;
    return [200, { id, object: "payment_method", customer: null, type: "card" }];
  }

  return {
    createCustomer,
    createSetupSession,
    createPaymentIntent,
    detach,
    save,
    session: (id: string) => sessions.get(id),
    /** The saved method as the double holds it (tests: detached means customer null). */
    paymentMethod: (id: string) => methods.get(id),
    /** Puts another test card behind a saved method (the borrower's account was topped up, say). */
    setCard(id: string, card: TestCard) {
      const pm = methods.get(id);
      if (!pm) throw new Error(`no saved payment method ${id} in the test double`);
      pm.card = card;
    },
  };
}

function invalid(message: string, code?: string): Json {
  return { error: { type: "invalid_request_error", message, ...(code ? { code } : {}) } };
}

/** The test page Checkout shows in setup mode: a choice of Stripe's test cards and "Save card". */
export function setupPage(s: Json & { id: string; status: string }): string {
  const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const cards = Object.entries(TEST_CARDS)
    .map(
      ([number, card], i) =>
        `<p><label><input type="radio" name="card" value="${number}"${i === 0 ? " checked" : ""}> ${esc(card.label)}</label></p>`,
    )
    .join("\n");
  const body =
    s.status === "open"
      ? `<form method="post" action="/checkout/${s.id}/setup"><fieldset><legend>Test card to save</legend>
${cards}</fieldset><button type="submit" class="pay">Save card</button></form>`
      : `<p>This checkout session is ${esc(s.status)}.</p>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Test checkout: save a card</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1a1f29}
.banner{background:#fff4d6;border-left:5px solid #8a5a00;padding:.5rem .75rem}
button{font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.2rem;border-radius:8px;border:2px solid #0b5cab;background:#0b5cab;color:#fff;cursor:pointer}
</style></head>
<body><main>
<p class="banner"><strong>Test mode.</strong> This page stands in for Stripe Checkout. No card is stored.</p>
<h1>Save a card for automatic payments</h1>
${body}
${s.cancel_url ? `<p><a href="${esc(String(s.cancel_url))}">Back</a></p>` : ""}
</main></body></html>`;
}
