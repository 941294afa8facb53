import { config } from "../../platform/config.server";
import { outboxProvider } from "./outbox.server";
import type { SmsProvider } from "./provider";
import { createTwilioProvider, loadTwilioConfig } from "./twilio.server";

let provider: SmsProvider | undefined;

/** The configured provider (SMS_PROVIDER), created once. */
export function smsProvider(): SmsProvider {
  if (!provider) {
    const cfg = config();
    provider =
      cfg.SMS_PROVIDER === "twilio"
        ? createTwilioProvider(loadTwilioConfig(), {
            statusCallbackUrl: `${cfg.publicBaseUrl}/webhooks/twilio/status`,
          })
        : outboxProvider;
  }
  return provider;
}
