import type twilio from "twilio";
import { z } from "zod";
import { ProviderError, type OutgoingSms, type ProviderAccepted, type SmsProvider } from "./provider";

const twilioEnv = z
  .object({
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex digits"),
    TWILIO_AUTH_TOKEN: z.string().min(16),
    TWILIO_MESSAGING_SERVICE_SID: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
    TWILIO_FROM: z.string().min(3).max(16).optional(),
  })
  .refine((e) => e.TWILIO_MESSAGING_SERVICE_SID || e.TWILIO_FROM, {
    message: "set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM (a registered sender ID or number)",
    path: ["TWILIO_FROM"],
  });
export type TwilioConfig = z.infer<typeof twilioEnv>;

export function loadTwilioConfig(env: Record<string, string | undefined> = process.env): TwilioConfig {
  const parsed = twilioEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `Invalid Twilio configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

type TwilioClient = ReturnType<typeof twilio>;

/**
 * Twilio through its official SDK; status callbacks come back to /webhooks/twilio/status.
 * The SDK is large and only a process that sends through Twilio needs it, so it loads on the first send.
 */
export function createTwilioProvider(
  cfg: TwilioConfig,
  opts: { statusCallbackUrl?: string; client?: TwilioClient } = {},
): SmsProvider {
  let client: Promise<TwilioClient> | undefined = opts.client ? Promise.resolve(opts.client) : undefined;
  const sdk = () =>
    (client ??= import("twilio").then(({ default: create }) =>
      create(cfg.TWILIO_ACCOUNT_SID, cfg.TWILIO_AUTH_TOKEN, { timeout: 10_000 }),
    ));
  return {
    name: "twilio",
    async send(sms: OutgoingSms): Promise<ProviderAccepted> {
      try {
        const message = await (
          await sdk()
        ).messages.create({
          to: sms.to,
          body: sms.body,
          // A per-jurisdiction sender (SMS_SENDERS) wins; with a messaging service it must be in its pool.
          ...(cfg.TWILIO_MESSAGING_SERVICE_SID
            ? { messagingServiceSid: cfg.TWILIO_MESSAGING_SERVICE_SID }
            : {}),
          ...(sms.from || !cfg.TWILIO_MESSAGING_SERVICE_SID ? { from: sms.from ?? cfg.TWILIO_FROM! } : {}),
          ...(opts.statusCallbackUrl ? { statusCallback: opts.statusCallbackUrl } : {}),
        });
        return { providerMessageId: message.sid, status: "sent" };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },
  };
}

/** Twilio REST errors carry an HTTP status; network errors carry a Node error code. */
export function classifyTwilioError(error: unknown): ProviderError {
  const e = error as { status?: number; code?: number | string; message?: string };
  const message = e.message ?? String(error);
  if (typeof e.status === "number") {
    if (e.status === 429 || e.status >= 500)
      return new ProviderError(message, "retryable", String(e.code ?? e.status));
    return new ProviderError(message, "permanent", String(e.code ?? e.status));
  }
  // Refused before any byte went out: safe to retry. Anything else (timeouts, resets) may have been accepted.
  if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "EAI_AGAIN")
    return new ProviderError(message, "retryable", String(e.code));
  return new ProviderError(message, "ambiguous", typeof e.code === "string" ? e.code : undefined);
}
