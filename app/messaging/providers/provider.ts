/** One interface for every SMS provider: the outbox in development and tests, Twilio in production. */
export interface OutgoingSms {
  messageId: string;
  to: string;
  body: string;
  /** The sender for this text (a registered ID or a two-way number); absent: the provider's default. */
  from?: string;
}

export interface ProviderAccepted {
  providerMessageId: string;
  /** The provider's first status for the message. */
  status: "sent" | "delivered";
}

/**
 * retryable: the provider certainly did not take the message (HTTP 429/5xx before acceptance, refused
 * connection): send again later. ambiguous: it may have (timeout after the request went out): sending
 * again risks a duplicate collection text, so the message is parked for reconciliation instead.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly kind: "retryable" | "ambiguous" | "permanent",
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface SmsProvider {
  readonly name: "outbox" | "twilio";
  send(sms: OutgoingSms): Promise<ProviderAccepted>;
}
