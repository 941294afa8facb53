import { describe, expect, it } from "vitest";
import { ConfigError } from "../platform/config.server";
import { loadBankIntegrationConfig } from "./config.server";

describe("bank integration configuration", () => {
  it("has no webhook endpoint by default, and an API key hash key of its own", () => {
    const cfg = loadBankIntegrationConfig({});
    expect(cfg.webhookUrl).toBeNull();
    expect(cfg.webhookTimeoutMs).toBe(10_000);
    expect(cfg.apiRateLimitPerMinute).toBe(600);
    expect(loadBankIntegrationConfig({ API_KEY_HASH_KEY: "k".repeat(32) }).apiKeyHashKey).toBe(
      "k".repeat(32),
    );
  });

  it("refuses production without API_KEY_HASH_KEY (it is no longer derived from SESSION_SECRET)", () => {
    expect(() =>
      loadBankIntegrationConfig({ NODE_ENV: "production", SESSION_SECRET: "s".repeat(32) }),
    ).toThrow(/API_KEY_HASH_KEY: is required in production/);
    expect(
      loadBankIntegrationConfig({ NODE_ENV: "production", API_KEY_HASH_KEY: "k".repeat(32) }).apiKeyHashKey,
    ).toBe("k".repeat(32));
  });

  it("refuses a plain http:// webhook URL in production (item 13), and allows it in development", () => {
    const production = {
      NODE_ENV: "production",
      API_KEY_HASH_KEY: "k".repeat(32),
      BANK_WEBHOOK_SECRET: "s".repeat(32),
    };
    expect(() =>
      loadBankIntegrationConfig({ ...production, BANK_WEBHOOK_URL: "http://bank.example/hooks" }),
    ).toThrow(/BANK_WEBHOOK_URL: must be an https:\/\/ URL in production/);
    expect(
      loadBankIntegrationConfig({ ...production, BANK_WEBHOOK_URL: "https://bank.example/hooks" }).webhookUrl,
    ).toBe("https://bank.example/hooks");
    expect(
      loadBankIntegrationConfig({ NODE_ENV: "development", BANK_WEBHOOK_URL: "http://127.0.0.1:9/hooks" })
        .webhookUrl,
    ).toBe("http://127.0.0.1:9/hooks");
  });

  it("refuses a webhook URL without a secret in production, and bad values anywhere", () => {
    expect(() =>
      loadBankIntegrationConfig({ NODE_ENV: "production", BANK_WEBHOOK_URL: "https://bank.example/hooks" }),
    ).toThrow(/BANK_WEBHOOK_SECRET/);
    expect(
      loadBankIntegrationConfig({
        NODE_ENV: "production",
        API_KEY_HASH_KEY: "k".repeat(32),
        BANK_WEBHOOK_URL: "https://bank.example/hooks",
        BANK_WEBHOOK_SECRET: "s".repeat(32),
      }).webhookUrl,
    ).toBe("https://bank.example/hooks");
    expect(() => loadBankIntegrationConfig({ BANK_WEBHOOK_URL: "ftp://bank.example" })).toThrow(ConfigError);
    expect(() => loadBankIntegrationConfig({ BANK_WEBHOOK_SECRET: "short" })).toThrow(/BANK_WEBHOOK_SECRET/);
    expect(() => loadBankIntegrationConfig({ API_RATE_LIMIT_PER_MINUTE: "0" })).toThrow(
      /API_RATE_LIMIT_PER_MINUTE/,
    );
  });
});
