import { z } from "zod";
import { ConfigError } from "../platform/config.server";

/**
 * Settings for the bank integration (docs/product-rules.md §9): outbound webhooks and API-key hashing.
 * Kept apart from app/platform/config.server.ts so the integration owns its own variables.
 */
const DEV_ONLY_WEBHOOK_SECRET = "dev-only-webhook-secret-change-me-0123456789";
const DEV_ONLY_API_KEY_HASH_KEY = "dev-only-api-key-hash-key-change-me-0123456789";

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
    /** Key for the keyed hashes of API keys; its own setting, so rotating SESSION_SECRET leaves keys valid. */
    API_KEY_HASH_KEY: z.string().min(32).optional(),
    /** Requests per minute per API key, across all web processes. */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
    /** The bank's FPS identifier, shown to Hong Kong dollar borrowers as a way to pay from their own bank. */
    FPS_ID: z
      .string()
      .regex(/^\d{7,9}$/, "must be the bank's FPS identifier (7 to 9 digits)")
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (
      env.NODE_ENV === "production" &&
      !env.API_KEY_HASH_KEY &&
      process.env.SETTLE_ALLOW_DEV_SECRETS !== "1"
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["API_KEY_HASH_KEY"],
        message: "is required in production (set SETTLE_ALLOW_DEV_SECRETS=1 only for local demos)",
      });
    }
    // Events carry account references and amounts: in production they travel over TLS only.
    if (env.NODE_ENV === "production" && env.BANK_WEBHOOK_URL && !env.BANK_WEBHOOK_URL.startsWith("https://"))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["BANK_WEBHOOK_URL"],
        message: "must be an https:// URL in production",
      });
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
  fpsId: string | null;
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
    apiKeyHashKey: e.API_KEY_HASH_KEY ?? DEV_ONLY_API_KEY_HASH_KEY,
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
    fpsId: e.FPS_ID ?? null,
  };
}

let cached: BankIntegrationConfig | undefined;
export function bankIntegrationConfig(): BankIntegrationConfig {
  cached ??= loadBankIntegrationConfig();
  return cached;
}
