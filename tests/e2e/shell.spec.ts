import { expect, test } from "@playwright/test";

test.describe("layout shell", () => {
  test("renders server-side in the browser's language and carries security headers", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["x-robots-tag"]).toContain("noindex");
    expect(headers["strict-transport-security"]).toContain("max-age=");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Manage your repayment");
  });

  test("borrower pages ship no JavaScript and log no errors", async ({ page }) => {
    const problems: string[] = [];
    const scripts: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (err) => problems.push(err.message));
    page.on("request", (req) => {
      if (req.resourceType() === "script") scripts.push(req.url());
    });
    await page.goto("/");
    await page.getByRole("button", { name: "简体中文" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("管理您的还款");
    expect(scripts).toEqual([]);
    expect(await page.locator("script:not([type='application/json'])").count()).toBe(0);
    expect(problems).toEqual([]);
  });

  test("a page without JavaScript carries its styles inline under the response's nonce: no stylesheet request, styles applied", async ({
    page,
  }) => {
    const stylesheets: string[] = [];
    const problems: string[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "stylesheet") stylesheets.push(req.url());
    });
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text()); // a CSP refusal is reported here
    });
    const response = await page.goto("/");
    const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(
      response!.headers()["content-security-policy"] ?? "",
    )?.[1];
    expect(nonce).toBeTruthy();
    expect(await page.locator("head style").evaluate((el) => (el as HTMLStyleElement).nonce)).toBe(nonce);
    expect(await page.locator("head link[rel=stylesheet]").count()).toBe(0);
    expect(stylesheets).toEqual([]);
    // The skip link is positioned off-screen by the stylesheet until focused.
    expect(await page.locator(".skip-link").evaluate((el) => getComputedStyle(el).position)).not.toBe(
      "static",
    );
    expect(problems).toEqual([]);
  });

  test("GET /healthz and /readyz answer", async ({ request }) => {
    const health = await request.get("/healthz");
    expect(health.status()).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await request.get("/readyz");
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: { ok: true } });
  });

  test("a POST from a foreign origin is refused", async ({ request }) => {
    const res = await request.post("/locale", {
      form: { lng: "en", returnTo: "/" },
      headers: { Origin: "https://evil.example" },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(403);
    const crossSite = await request.post("/locale", {
      form: { lng: "en", returnTo: "/" },
      headers: { "Sec-Fetch-Site": "cross-site", Origin: "null" },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
  });

  test("unknown paths get a translated 404", async ({ page }) => {
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  });
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("the language switcher works as a plain form and remembers the choice", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Manage your repayment");
    await page.getByRole("button", { name: "繁體中文" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-HK");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("管理您的還款");
    await expect(page.getByText("如有查詢，請致電")).toBeVisible();
    // The choice is kept in a cookie: a fresh navigation stays in Traditional Chinese.
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-HK");
  });

  test("an open redirect through the language form is not possible", async ({ page, request }) => {
    const res = await request.post("/locale", {
      form: { lng: "en", returnTo: "//evil.example/phish" },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(303);
    expect(res.headers()["location"]).toBe("/");
    await page.goto("/");
  });
});
