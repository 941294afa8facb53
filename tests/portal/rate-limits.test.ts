import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  borrowerLanding,
  linkAction,
  LINK_FAILURE_RULE,
  VERIFY_CLIENT_RULE,
} from "../../app/portal/landing.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

describe("brute-force brakes on links", () => {
  it("a client that tries too many forged codes is stopped for forged codes only: a valid code still opens (carrier NAT)", async () => {
    const { link } = await borrowerWithLink(t.db);
    const forged = (i: number) => `d${String(i).padStart(15, "0")}`;
    for (let i = 0; i < LINK_FAILURE_RULE.points; i++) {
      expect((await borrowerLanding(t.db, forged(i), "198.51.100.7")).status).toBe("invalid");
    }
    expect((await borrowerLanding(t.db, forged(99), "198.51.100.7")).status).toBe("rate_limited");
    expect((await borrowerLanding(t.db, link.code, "198.51.100.7")).status).toBe("ok");
    expect((await borrowerLanding(t.db, forged(100), "198.51.100.7")).status).toBe("rate_limited");
    expect((await borrowerLanding(t.db, forged(101), "203.0.113.9")).status).toBe("invalid");
  });

  it("a valid link's holder is never slowed by opening it repeatedly", async () => {
    const { link } = await borrowerWithLink(t.db);
    for (let i = 0; i < LINK_FAILURE_RULE.points + 5; i++) {
      expect((await borrowerLanding(t.db, link.code, "192.0.2.44")).status).toBe("ok");
    }
  });

  it("verification answers are limited per client across links", async () => {
    const links = await Promise.all(
      Array.from({ length: Math.ceil(VERIFY_CLIENT_RULE.points / 4) + 1 }, () => borrowerWithLink(t.db)),
    );
    const request = new Request("http://portal.test/r/x", { method: "POST" });
    let attempts = 0;
    let last;
    // Cycle through links with 4 wrong answers each (below the per-link lockout).
    outer: for (const l of links) {
      for (let i = 0; i < 4; i++) {
        last = await linkAction(t.db, l.link.code, "verify", {
          method: "dob",
          answer: "1999-01-01",
          request,
          client: "192.0.2.77",
        });
        attempts++;
        if (last.status === "rate_limited") break outer;
      }
    }
    expect(last).toMatchObject({ status: "rate_limited" });
    expect(attempts).toBe(VERIFY_CLIENT_RULE.points + 1);
  });
});
