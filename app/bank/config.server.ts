import { createHmac } from "node:crypto";
import { z } from "zod";
import { ConfigError, config } from "../platform/config.server";

/**
 * Settings for the bank integration (docs/product-rules.md §9): outbound webhooks and API-key hashing.
 * Kept apart from app/platform/config.server.ts so the integration owns its own variables.
 */
const DEV_ONLY_WEBHOOK_SECRET = "dev-only-webhook-secret-change-me-0123456789";

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Where bank events are POSTed. Unset: events are stored and their jobs complete without delivering. */
    BANK_WEBHOOK_URL: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
      .optional(),
    BANK_WEBHOOK_SECRET: z.string().min(32).optional(),
    BANK_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** Key for the keyed hashes of API keys. Unset: derived from SESSION_SECRET. */
    API_KEY_HASH_KEY: z.string().min(32).optional(),
    /** Requests per minute per API key, across all web processes. */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
  })
  .superRefine((env, ctx) => {
    if (
      env.NODE_ENV === "production" &&
      env.BANK_WEBHOOK_URL &&
      !env.BANK_WEBHOOK_SECRET &&
      process.env.SETTLE_ALLOW_DEV_SECRETS !== "1"
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["BANK_WEBHOOK_SECRET"],
        message: "is required in production when BANK_WEBHOOK_URL is set",
      });
    }
  });

export interface BankIntegrationConfig {
  webhookUrl: string | null;
  webhookSecret: string;
  webhookTimeoutMs: number;
  apiKeyHashKey: string;
  apiRateLimitPerMinute: number;
}

export function loadBankIntegrationConfig(
  env: Record<string, string | undefined> = process.env,
): BankIntegrationConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    webhookUrl: e.BANK_WEBHOOK_URL ?? null,
    webhookSecret: e.BANK_WEBHOOK_SECRET ?? DEV_ONLY_WEBHOOK_SECRET,
    webhookTimeoutMs: e.BANK_WEBHOOK_TIMEOUT_MS,
    // A derived key (not SESSION_SECRET itself) so the two uses never share a key.
    apiKeyHashKey:
      e.API_KEY_HASH_KEY ??
      createHmac("sha256", config().sessionSecret).update("settle:api-key-hash").digest("hex"),
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
  };
}

let cached: BankIntegrationConfig | undefined;
export function bankIntegrationConfig(): BankIntegrationConfig {
  cached ??= loadBankIntegrationConfig();
  return cached;
}
