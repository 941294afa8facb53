import type { OutgoingSms, ProviderAccepted, SmsProvider } from "./provider";

/**
 * The dev/test provider: "sending" is recording. The message row itself is the
 * outbox (see /dev/outbox), so acceptance is immediate and deterministic.
 */
export const outboxProvider: SmsProvider = {
  name: "outbox",
  async send(sms: OutgoingSms): Promise<ProviderAccepted> {
    return { providerMessageId: `outbox_${sms.messageId}`, status: "delivered" };
  },
};
