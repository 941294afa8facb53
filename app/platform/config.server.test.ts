import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.server";

describe("configuration", () => {
  it("has working development defaults", () => {
    const cfg = loadConfig({ NODE_ENV: "development" });
    expect(cfg.PORT).toBe(3000);
    expect(cfg.ROLE).toBe("all");
    expect(cfg.DATABASE_URL).toBeUndefined();
    expect(cfg.publicBaseUrl).toBe("http://localhost:3000");
    expect(cfg.linkSigningKeys).toHaveLength(1);
  });

  it("refuses to run production on development secrets", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET: is required in production/);
    for (const key of ["TOTP_ENCRYPTION_KEY", "LINK_HASH_KEY", "AUDIT_ANCHOR_KEY", "SMS_LINK_ENCRYPTION_KEY"])
      expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(
        new RegExp(`${key}: is required in production`),
      );
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ PORT: "seventy" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a postgres/);
    expect(() => loadConfig({ ROLE: "both" })).toThrow(/ROLE/);
  });

  it("reads the SMTP settings as a URL or by parts, and refuses contradictions", () => {
    const dev = { NODE_ENV: "development" };
    expect(loadConfig(dev).smtp).toBeNull();
    expect(
      loadConfig({ ...dev, SMTP_URL: "smtps://u:p@mail.test:465", EMAIL_FROM: "B <r@b.test>" }).smtp,
    ).toEqual({
      url: "smtps://u:p@mail.test:465",
    });
    expect(
      loadConfig({
        ...dev,
        SMTP_HOST: "mail.test",
        SMTP_SECURE: "true",
        SMTP_USER: "u",
        SMTP_PASSWORD: "p",
        EMAIL_FROM: "r@b.test",
      }).smtp,
    ).toEqual({ host: "mail.test", port: 465, secure: true, auth: { user: "u", pass: "p" } });
    expect(() => loadConfig({ ...dev, SMTP_URL: "http://mail.test" })).toThrow(/SMTP_URL: must be an smtp/);
    expect(() => loadConfig({ ...dev, SMTP_HOST: "mail.test" })).toThrow(/EMAIL_FROM: is required with SMTP/);
    expect(() =>
      loadConfig({ ...dev, SMTP_URL: "smtp://a.test", SMTP_HOST: "b.test", EMAIL_FROM: "r@b.test" }),
    ).toThrow(/SMTP_HOST: set SMTP_URL or SMTP_HOST, not both/);
    expect(() => loadConfig({ ...dev, SMTP_HOST: "m.test", SMTP_USER: "u", EMAIL_FROM: "r@b.test" })).toThrow(
      /SMTP_USER and SMTP_PASSWORD go together/,
    );
  });

  it("parses rotating link keys, first one signing", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(32);
    const cfg = loadConfig({ NODE_ENV: "test", LINK_SIGNING_KEYS: `2:${a}, 1:${b}` });
    expect(cfg.linkSigningKeys).toEqual([
      { id: "2", secret: a },
      { id: "1", secret: b },
    ]);
    expect(() => loadConfig({ NODE_ENV: "test", LINK_SIGNING_KEYS: "12:short" })).toThrow(
      /LINK_SIGNING_KEYS/,
    );
  });
});
