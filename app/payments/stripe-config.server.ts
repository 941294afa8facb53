import { IANAZone } from "luxon";
import { z } from "zod";
import { ConfigError, type Config } from "../platform/config.server";

/**
 * Stripe settings, validated like the rest of the configuration. Without a
 * secret key Settle talks to the local Stripe test double (dev and tests only),
 * which signs its webhooks with a fixed development secret.
 */
export const DEV_WEBHOOK_SECRET = "whsec_dev_settle_test_double_0123456789abcdef";

const PAYMENT_METHOD = /^[a-z][a-z0-9_]{1,39}$/;

const stripeEnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(
        /^(sk|rk)_(test|live)_[0-9A-Za-z_]{8,}$/,
        "must be a Stripe secret or restricted key (sk_test_…, sk_live_…)",
      )
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_\S{8,}$/, "must be a webhook signing secret (whsec_…)")
      .optional(),
    STRIPE_TEST_DOUBLE_PORT: z.coerce.number().int().min(1024).max(65535).default(12111),
    STRIPE_PAYMENT_METHODS: z
      .string()
      .default("card")
      .transform((raw) => [
        ...new Set(
          raw
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(
            z
              .string()
              .regex(PAYMENT_METHOD, "must be Stripe payment method types, e.g. card,alipay,wechat_pay"),
          )
          .min(1),
      ),
    /** The zone whose calendar days the daily reconciliation reports (Stripe's balance reports default to UTC). */
    RECONCILIATION_TIME_ZONE: z
      .string()
      .default("UTC")
      .refine((zone) => IANAZone.isValidZone(zone), "must be an IANA time zone, e.g. Asia/Hong_Kong"),
  })
  .superRefine((env, ctx) => {
    if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["STRIPE_WEBHOOK_SECRET"],
        message: "is required when STRIPE_SECRET_KEY is set",
      });
    }
    // The test double takes no money: a production process must not fall back to it by accident.
    if (
      env.NODE_ENV === "production" &&
      !env.STRIPE_SECRET_KEY &&
      process.env.SETTLE_ALLOW_DEV_SECRETS !== "1"
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["STRIPE_SECRET_KEY"],
        message:
          "is required in production (set SETTLE_ALLOW_DEV_SECRETS=1 only for local demos: payments then go to the test double)",
      });
    }
  });

export type StripeConfig = ReturnType<typeof loadStripeConfig>;

export function loadStripeConfig(env: Record<string, string | undefined> = process.env) {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = stripeEnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    secretKey: e.STRIPE_SECRET_KEY ?? null,
    /** true: the SDK talks to the local test double instead of Stripe. */
    useTestDouble: !e.STRIPE_SECRET_KEY,
    webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET,
    testDoublePort: e.STRIPE_TEST_DOUBLE_PORT,
    paymentMethods: e.STRIPE_PAYMENT_METHODS,
    reconciliationTimeZone: e.RECONCILIATION_TIME_ZONE,
  };
}

let cached: StripeConfig | undefined;
export function stripeConfig(): StripeConfig {
  cached ??= loadStripeConfig();
  return cached;
}

/**
 * Where the local Stripe test double serves its checkout pages (the browser's origin, which the CSP's
 * form-action must allow) and where it delivers webhooks (this app). The checkout origin uses the portal's
 * own loopback host name, so the return trip keeps the SameSite session cookie.
 */
export function testDoubleEndpoints(
  cfg: Pick<Config, "publicBaseUrl" | "HOST" | "PORT">,
  stripe: Pick<StripeConfig, "testDoublePort">,
) {
  const loopback = ["localhost", "127.0.0.1", "[::1]"];
  const publicHost = new URL(cfg.publicBaseUrl).hostname;
  const appHost = cfg.HOST === "0.0.0.0" || cfg.HOST === "::" ? "127.0.0.1" : cfg.HOST;
  return {
    appBaseUrl: `http://${appHost.includes(":") ? `[${appHost}]` : appHost}:${cfg.PORT}`,
    publicOrigin: `http://${loopback.includes(publicHost) ? publicHost : "127.0.0.1"}:${stripe.testDoublePort}`,
  };
}
