import type { ActionFunctionArgs } from "@remix-run/node";
import { verifyWebhookSignature } from "~/bank/webhook-signature.server";
import { applyEmailEvents, emailEventsSchema } from "~/engine/email-feedback.server";
import { config } from "~/platform/config.server";
import { BodyTooLarge, readCappedText } from "~/platform/request-body.server";

/**
 * POST /webhooks/email: bounces and complaints from the mail provider (docs/email-webhook.md), signed
 * `Settle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with EMAIL_WEBHOOK_SECRET,
 * the scheme of Settle's own bank webhooks. A hard bounce or a complaint suppresses the address.
 */
const MAX_BODY = 256 * 1024;

export async function action({ request, context }: ActionFunctionArgs) {
  const secret = config().emailWebhookSecret;
  if (!secret) return new Response("Not found", { status: 404 });
  let body: string;
  try {
    body = await readCappedText(request, MAX_BODY);
  } catch (error) {
    if (error instanceof BodyTooLarge) return new Response("Payload too large", { status: 413 });
    throw error;
  }
  if (!verifyWebhookSignature(secret, request.headers.get("settle-signature"), body))
    return new Response("Invalid signature", { status: 401 });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return Response.json({ error: ["body: must be JSON"] }, { status: 400 });
  }
  const parsed = emailEventsSchema.safeParse(json);
  if (!parsed.success)
    return Response.json(
      { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
      { status: 400 },
    );
  return Response.json(await applyEmailEvents(context.db, parsed.data));
}

export function loader() {
  return new Response("Method not allowed", { status: 405, headers: { Allow: "POST" } });
}
