import type { ActionFunctionArgs } from "@remix-run/node";
import { config } from "~/platform/config.server";
import { loadTwilioConfig } from "~/messaging/providers/twilio.server";
import {
  applyInbound,
  applyStatusCallback,
  inboundSchema,
  readSignedTwilioForm,
  statusCallbackSchema,
  twimlReply,
} from "~/engine/twilio-webhooks.server";

/** POST /webhooks/twilio/status (delivery receipts) and /webhooks/twilio/inbound (replies). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const cfg = config();
  if (cfg.SMS_PROVIDER !== "twilio" || (params.kind !== "status" && params.kind !== "inbound")) {
    return new Response("Not found", { status: 404 });
  }
  const { TWILIO_AUTH_TOKEN } = loadTwilioConfig();
  const form = await readSignedTwilioForm(
    request,
    TWILIO_AUTH_TOKEN,
    `${cfg.publicBaseUrl}/webhooks/twilio/${params.kind}`,
  );
  if (!form.ok)
    return new Response(form.status === 413 ? "Payload too large" : "Invalid signature", {
      status: form.status,
    });
  if (params.kind === "status") {
    const cb = statusCallbackSchema.safeParse(form.params);
    if (!cb.success)
      return Response.json(
        { error: cb.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
        { status: 400 },
      );
    await applyStatusCallback(context.db, cb.data);
    return new Response(null, { status: 204 });
  }
  const inbound = inboundSchema.safeParse(form.params);
  if (!inbound.success)
    return Response.json(
      { error: inbound.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
      { status: 400 },
    );
  const outcome = await applyInbound(context.db, inbound.data);
  return new Response(await twimlReply(outcome.unknownNumberReply), {
    headers: { "Content-Type": "text/xml" },
  });
}

export function loader() {
  return new Response("Method not allowed", { status: 405, headers: { Allow: "POST" } });
}
