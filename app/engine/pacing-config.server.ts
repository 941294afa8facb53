import { z } from "zod";
import { ConfigError } from "../platform/config.server";

/**
 * Settings for sending that respects capacity (docs/product-rules.md §4.22), validated like
 * app/platform/config.server.ts and kept beside the engine that reads them.
 *
 * - SMS_SENDER_RATES: texts per second per sender, as JSON. Keys are a sender as SMS_SENDERS names it (a
 *   registered ID or a number), `default` for texts sent from the provider's own sender, and `*` for any
 *   sender without its own entry. Unset or `{}`: no pacing (the provider queues what it cannot send).
 * - INBOUND_CALLS_PER_HOUR: the call centre's capacity for call-backs; unset: the planner does not spread.
 * - CALLBACKS_PER_TEXT: the share of texts expected to bring a call-back (a configured ratio, 0-1).
 */
const rate = z.number().positive().max(10_000);
const schema = z.object({
  SMS_SENDER_RATES: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string().min(1).max(20, "a sender is at most 20 characters"),
        rate.describe("texts per second"),
      ),
    )
    .default("{}"),
  INBOUND_CALLS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).optional(),
  CALLBACKS_PER_TEXT: z.coerce.number().positive().max(1).default(0.02),
});

export type PacingConfig = ReturnType<typeof parse>;

let cached: PacingConfig | undefined;
export function pacingConfig(env: Record<string, string | undefined> = process.env): PacingConfig {
  if (env !== process.env) return parse(env);
  cached ??= parse(env);
  return cached;
}

function parse(env: Record<string, string | undefined>) {
  const present = (key: string) => env[key] || undefined;
  const parsed = schema.safeParse({
    SMS_SENDER_RATES: present("SMS_SENDER_RATES"),
    INBOUND_CALLS_PER_HOUR: present("INBOUND_CALLS_PER_HOUR"),
    CALLBACKS_PER_TEXT: present("CALLBACKS_PER_TEXT"),
  });
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  const e = parsed.data;
  return {
    senderRates: e.SMS_SENDER_RATES,
    /** Texts the planner may place in one clock hour, or null: no spread. */
    textsPerHour:
      e.INBOUND_CALLS_PER_HOUR === undefined
        ? null
        : Math.max(1, Math.floor(e.INBOUND_CALLS_PER_HOUR / e.CALLBACKS_PER_TEXT)),
  };
}
