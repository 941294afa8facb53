/**
 * The settings production refuses to start without (README, Security), with test values: one list, so a
 * new required setting is added here once rather than in every test that loads a production config.
 */
export const PRODUCTION_SETTINGS = {
  NODE_ENV: "production",
  SESSION_SECRET: "s".repeat(40),
  VERIFICATION_HASH_KEY: "v".repeat(40),
  LINK_SIGNING_KEYS: `k:${"l".repeat(40)}`,
  TOTP_ENCRYPTION_KEY: "t".repeat(32),
  LINK_HASH_KEY: "h".repeat(32),
  AUDIT_ANCHOR_KEY: "a".repeat(32),
  SMS_LINK_ENCRYPTION_KEY: "m".repeat(32),
  TRUST_PROXY: "1",
} as const;
