import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink, requestWithCookies } from "../support/links";
import { config } from "../../app/platform/config.server";
import { verifyBorrower, LOCKOUT_MS, MAX_DAILY_FAILURES } from "../../app/borrower/verification.server";
import { readBorrowerSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../app/borrower/session.server";
import { getAccountOverview, readSessionOverview } from "../../app/borrower/overview.server";
import { verifyAuditChain } from "../../app/platform/audit.server";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const hashKey = () => config().verificationHashKey;

describe("borrower verification", () => {
  it("a correct date of birth starts a session bound to that borrower and account", async () => {
    const { link, borrower, account, dob } = await borrowerWithLink(t.db);
    const outcome = await verifyBorrower(t.db, {
      linkId: link.id,
      kind: "dob",
      answer: dob,
      hashKey: hashKey(),
    });
    expect(outcome.status).toBe("verified");
    if (outcome.status !== "verified") return;
    expect(outcome.setCookie).toMatch(/HttpOnly/i);
    expect(outcome.setCookie).toMatch(/SameSite=Lax/i);
    const session = await readBorrowerSession(t.db, requestWithCookies([outcome.setCookie]));
    expect(session).toMatchObject({ borrowerId: borrower.id, accountId: account.id, linkId: link.id });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("borrower.verified");
  });

  it("accepts the ID last-4 method too, case-insensitively", async () => {
    const { link } = await borrowerWithLink(t.db, { idLast4: "031X" });
    const outcome = await verifyBorrower(t.db, {
      linkId: link.id,
      kind: "id_last4",
      answer: "031x",
      hashKey: hashKey(),
    });
    expect(outcome.status).toBe("verified");
  });

  it("locks the borrower's links after 5 failures in 24 hours, for 24 hours, and flags them for an agent", async () => {
    const now = new Date("2026-11-23T10:00:00Z");
    const { link, borrower, dob } = await borrowerWithLink(t.db, { now });
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const statuses: string[] = [];
    // 15 minutes apart: past every wait between answers.
    for (let i = 0; i < MAX_DAILY_FAILURES; i++) {
      const o = await verifyBorrower(t.db, {
        linkId: link.id,
        kind: "dob",
        answer: "1999-01-01",
        hashKey: hashKey(),
        now: at(15 * i),
      });
      statuses.push(o.status);
    }
    expect(statuses).toEqual([...Array(MAX_DAILY_FAILURES - 1).fill("wrong"), "locked"]);
    const lockedAt = at(15 * (MAX_DAILY_FAILURES - 1));
    // Even the right answer is refused while locked.
    const right = await verifyBorrower(t.db, {
      linkId: link.id,
      kind: "dob",
      answer: dob,
      hashKey: hashKey(),
      now: new Date(lockedAt.getTime() + 60_000),
    });
    expect(right.status).toBe("locked");
    const task = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", borrower.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ kind: "call", source_type: "verification_lockout", status: "open" });
    // After 24 hours the link works again.
    const later = await verifyBorrower(t.db, {
      linkId: link.id,
      kind: "dob",
      answer: dob,
      hashKey: hashKey(),
      now: new Date(lockedAt.getTime() + LOCKOUT_MS + 1),
    });
    expect(later.status).toBe("verified");
  });

  it("failures older than 24 hours, or before a right answer, do not count toward the lock", async () => {
    const now = new Date("2026-11-23T10:00:00Z");
    const { link, dob } = await borrowerWithLink(t.db, { now });
    const answer = (value: string, minutes: number) =>
      verifyBorrower(t.db, {
        linkId: link.id,
        kind: "dob",
        answer: value,
        hashKey: hashKey(),
        now: new Date(now.getTime() + minutes * 60_000),
      });
    for (const minutes of [0, 15, 30, 45]) expect((await answer("1999-01-01", minutes)).status).toBe("wrong");
    // A day later the four have aged out: a wrong answer is the first again (no wait after it).
    expect(await answer("1999-01-01", 25 * 60)).toEqual({ status: "wrong", retryAfterSec: 0 });
    expect((await answer(dob, 25 * 60 + 1)).status).toBe("verified");
    expect(await answer("1999-01-01", 25 * 60 + 2)).toEqual({ status: "wrong", retryAfterSec: 0 });
  });

  it("parallel guesses cannot overrun the failure budget", async () => {
    const { link } = await borrowerWithLink(t.db);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        verifyBorrower(t.db, { linkId: link.id, kind: "dob", answer: "1999-01-01", hashKey: hashKey() }),
      ),
    );
    // The second wrong answer asks for a wait; every guess after it is neither checked nor counted.
    expect(outcomes.filter((o) => o.status === "wrong")).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === "wait")).toHaveLength(10);
    const attempts = await t.db
      .selectFrom("verification_attempts")
      .select("id")
      .where("link_id", "=", link.id)
      .execute();
    expect(attempts).toHaveLength(2);
  });
});

describe("borrower sessions", () => {
  async function verifiedSession(now: Date) {
    const fixture = await borrowerWithLink(t.db, { now });
    const outcome = await verifyBorrower(t.db, {
      linkId: fixture.link.id,
      kind: "dob",
      answer: fixture.dob,
      hashKey: hashKey(),
      now,
    });
    if (outcome.status !== "verified") throw new Error("expected verification");
    return { ...fixture, request: requestWithCookies([outcome.setCookie]) };
  }

  // The loaders' session read, and the overview's fast path, which reads the session and its account in one statement.
  const readers = {
    readBorrowerSession: (request: Request, now?: Date) => readBorrowerSession(t.db, request, now),
    readSessionOverview: async (request: Request, now?: Date) =>
      (await readSessionOverview(t.db, request, now))?.session ?? null,
  };

  describe.each(Object.entries(readers))("read with %s", (_name, read) => {
    it("end after 15 idle minutes and after 2 hours however active", async () => {
      const start = new Date("2026-11-23T10:00:00Z");
      const { request } = await verifiedSession(start);
      expect(await read(request, new Date(start.getTime() + SESSION_IDLE_MS - 1000))).not.toBeNull();
      // Keep it alive every 10 minutes: still ends at the absolute limit.
      let at = start.getTime();
      while (at + 10 * 60_000 < start.getTime() + SESSION_ABSOLUTE_MS) {
        at += 10 * 60_000;
        expect(await read(request, new Date(at))).not.toBeNull();
      }
      expect(await read(request, new Date(start.getTime() + SESSION_ABSOLUTE_MS + 1))).toBeNull();

      const other = await verifiedSession(start);
      expect(await read(other.request, new Date(start.getTime() + SESSION_IDLE_MS + 1000))).toBeNull();
    });

    it("a forged, tampered or ended session reads nothing", async () => {
      const { request } = await verifiedSession(new Date());
      const cookie = request.headers.get("Cookie")!;
      const tampered = new Request("http://portal.test/", {
        headers: { Cookie: cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A")) },
      });
      expect(await read(tampered)).toBeNull();
      expect(
        await read(new Request("http://portal.test/", { headers: { Cookie: "settle_session=abc" } })),
      ).toBeNull();
      expect(await read(new Request("http://portal.test/"))).toBeNull();
      const session = (await read(request))!;
      await t.db
        .updateTable("borrower_sessions")
        .set({ revoked_at: new Date() })
        .where("id", "=", session.id)
        .execute();
      expect(await read(request)).toBeNull();
    });
  });

  it("the one-statement overview reads what the session read and the account read give, for the session's own account", async () => {
    const a = await verifiedSession(new Date());
    const b = await verifiedSession(new Date());
    for (const fixture of [a, b]) {
      const session = (await readBorrowerSession(t.db, fixture.request))!;
      const both = (await readSessionOverview(t.db, fixture.request))!;
      expect(both.session).toEqual(session);
      expect(both.overview).toEqual(await getAccountOverview(t.db, session));
      expect(both.overview.last4).toBe(fixture.account.last4);
    }
  });

  it("page views read together (one statement) each get their own session and account, at their own clock", async () => {
    const start = new Date();
    const fixtures = [
      await verifiedSession(start),
      await verifiedSession(start),
      await verifiedSession(start),
      await verifiedSession(start),
    ];
    const ended = fixtures[3]!;
    const endedSession = (await readBorrowerSession(t.db, ended.request))!;
    await t.db
      .updateTable("borrower_sessions")
      .set({ revoked_at: new Date() })
      .where("id", "=", endedSession.id)
      .execute();
    const idleLater = new Date(start.getTime() + SESSION_IDLE_MS + 1000); // idle by then: reads nothing
    const views = [
      { request: fixtures[0]!.request, now: start },
      { request: fixtures[1]!.request, now: idleLater },
      { request: fixtures[2]!.request, now: start },
      { request: ended.request, now: start },
      { request: new Request("http://portal.test/account"), now: start },
      { request: fixtures[0]!.request, now: start },
      { request: fixtures[2]!.request, now: start },
    ];
    const together = await Promise.all(views.map((v) => readSessionOverview(t.db, v.request, v.now)));
    expect(together.map((r) => r?.overview.last4 ?? null)).toEqual([
      fixtures[0]!.account.last4,
      null,
      fixtures[2]!.account.last4,
      null,
      null,
      fixtures[0]!.account.last4,
      fixtures[2]!.account.last4,
    ]);
    for (const [i, read] of together.entries()) {
      if (!read) continue;
      const alone = (await readBorrowerSession(t.db, views[i]!.request, views[i]!.now))!;
      expect(read.session).toEqual(alone);
      expect(read.overview).toEqual(await getAccountOverview(t.db, alone));
    }
  });

  it("one borrower's session can never read another borrower's account", async () => {
    const a = await verifiedSession(new Date());
    const b = await verifiedSession(new Date());
    const sessionA = (await readBorrowerSession(t.db, a.request))!;
    await expect(getAccountOverview(t.db, sessionA)).resolves.toMatchObject({ last4: a.account.last4 });
    // Even a session row pointing at B's account (a bug elsewhere) is refused: queries are scoped by borrower too.
    await expect(getAccountOverview(t.db, { ...sessionA, accountId: b.account.id })).rejects.toThrow();
  });

  it("every audit row written along the way keeps the hash chain intact", async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
