import type { ActionFunctionArgs } from "@remix-run/node";
import { handleStripeWebhook } from "~/payments/stripe-webhook.server";
import { BodyTooLarge, readCappedText } from "~/platform/request-body.server";

/** Stripe's webhook endpoint. The signature covers the exact bytes, so the body is read raw. */
const MAX_BODY_BYTES = 512 * 1024;

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return text(405, "method not allowed", { Allow: "POST" });
  let rawBody: string;
  try {
    rawBody = await readCappedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLarge) return text(413, "payload too large");
    throw error;
  }
  const outcome = await handleStripeWebhook(context.db, rawBody, request.headers.get("stripe-signature"));
  return text(outcome.status, outcome.result);
}

export function loader() {
  return text(405, "method not allowed", { Allow: "POST" });
}

function text(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers },
  });
}
