import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { config } from "../../app/platform/config.server";
import { createShortLink } from "../../app/messaging/short-links.server";
import {
  MAX_DAILY_FAILURES,
  MAX_LINK_FAILURES,
  verifyBorrower,
  type VerificationOutcome,
} from "../../app/borrower/verification.server";
import { action as landingAction } from "../../app/routes/r.$code";
import { SUPPORTED_LOCALES } from "../../app/i18n/config";
import { i18nServer } from "../../app/i18n/i18n.server";

/**
 * Slow guessing of the verification answer (issue #17, item 1). Someone holding a recycled number
 * gets every reminder's link; with failures counted per link over 15 minutes, 4 wrong answers every
 * 15 minutes never locked, and each new link came with a fresh budget. Failures now count per
 * borrower across all their links, over 24 hours and over the link's life, with growing waits.
 * The clock is injected: 48 simulated hours run in a second.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const hashKey = () => config().verificationHashKey;

/** A different wrong ID last-4 each time, as a guesser walking the space would send. */
let guess = 0;
const wrongAnswer = () => String(1000 + (guess++ % 9000));

function newLink(accountId: string, now: Date) {
  return createShortLink(t.db, {
    accountId,
    keys: config().linkSigningKeys,
    baseUrl: "http://portal.test",
    now,
  });
}

describe("slow guessing of the verification answer", () => {
  it("4 wrong answers every 15 minutes for 48 hours, on a new link every 6 hours, lock the borrower", async () => {
    const start = new Date("2026-11-23T00:00:00Z");
    const { borrower, account, link } = await borrowerWithLink(t.db, { idLast4: "7A7A", now: start });
    let current = link;
    const outcomes: Array<{ at: Date; outcome: VerificationOutcome }> = [];
    for (let slot = 0; slot < (48 * HOUR) / (15 * MINUTE); slot++) {
      const slotStart = new Date(start.getTime() + slot * 15 * MINUTE);
      // Every new reminder brings a new link (issued 6-hourly here).
      if (slot > 0 && slot % 24 === 0) current = await newLink(account.id, slotStart);
      for (let i = 0; i < 4; i++) {
        const at = new Date(slotStart.getTime() + i * 20_000);
        const outcome = await verifyBorrower(t.db, {
          linkId: current.id,
          kind: "id_last4",
          answer: wrongAnswer(),
          hashKey: hashKey(),
          now: at,
        });
        outcomes.push({ at, outcome });
      }
    }
    const firstLock = outcomes.findIndex((o) => o.outcome.status === "locked");
    expect(firstLock).toBeGreaterThanOrEqual(0);
    // Locked within the first hour, after 5 answers were checked.
    expect(outcomes[firstLock]!.at.getTime() - start.getTime()).toBeLessThan(HOUR);
    expect(outcomes.slice(0, firstLock).filter((o) => o.outcome.status === "wrong")).toHaveLength(
      MAX_DAILY_FAILURES - 1,
    );
    // Over the 48 hours, only a handful of the 768 guesses were ever checked against the answer.
    const checked = await t.db
      .selectFrom("verification_attempts")
      .innerJoin("short_links", "short_links.id", "verification_attempts.link_id")
      .select("verification_attempts.id")
      .where("short_links.borrower_id", "=", borrower.id)
      .execute();
    expect(checked.length).toBeLessThanOrEqual(2 * MAX_DAILY_FAILURES);
    // An agent is asked to call, and the lock is audited.
    const tasks = await t.db
      .selectFrom("tasks")
      .select(["kind", "source_type", "status"])
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    expect(tasks[0]).toEqual({ kind: "call", source_type: "verification_lockout", status: "open" });
    const locks = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrower.id)
      .where("action", "=", "verification.locked")
      .execute();
    expect(locks.length).toBeGreaterThanOrEqual(1);
  });

  it("while locked, even the right answer on a brand-new link is refused", async () => {
    const start = new Date("2026-11-23T00:00:00Z");
    const { account, link, dob } = await borrowerWithLink(t.db, { now: start });
    let at = start.getTime();
    let last: VerificationOutcome | undefined;
    for (let i = 0; i < MAX_DAILY_FAILURES; i++) {
      last = await verifyBorrower(t.db, {
        linkId: link.id,
        kind: "dob",
        answer: "1999-01-01",
        hashKey: hashKey(),
        now: new Date(at),
      });
      at += 15 * MINUTE; // past every wait
    }
    expect(last).toMatchObject({ status: "locked" });
    const fresh = await newLink(account.id, new Date(at));
    const right = (answerAt: number) =>
      verifyBorrower(t.db, {
        linkId: fresh.id,
        kind: "dob",
        answer: dob,
        hashKey: hashKey(),
        now: new Date(answerAt),
      });
    expect(await right(at + HOUR)).toMatchObject({ status: "locked" });
    expect(await right(at + 24 * HOUR)).toMatchObject({ status: "verified" });
  });

  it("wrong answers spread over the link's life lock it too: 10 since it was issued, however slow", async () => {
    const start = new Date("2026-11-01T00:00:00Z");
    const { link } = await borrowerWithLink(t.db, { now: start });
    const statuses: string[] = [];
    for (let day = 0; day < MAX_LINK_FAILURES; day++) {
      // Two a day: never 5 in 24 hours.
      for (const hour of [0, 12]) {
        if (statuses.includes("locked")) break;
        const o = await verifyBorrower(t.db, {
          linkId: link.id,
          kind: "dob",
          answer: "1999-01-01",
          hashKey: hashKey(),
          now: new Date(start.getTime() + day * 24 * HOUR + hour * HOUR),
        });
        statuses.push(o.status);
      }
    }
    expect(statuses).toEqual([...Array(MAX_LINK_FAILURES - 1).fill("wrong"), "locked"]);
  });

  it("each wrong answer makes the next wait longer; an early answer is neither checked nor counted", async () => {
    const start = new Date("2026-11-23T00:00:00Z");
    const { link } = await borrowerWithLink(t.db, { now: start });
    const answer = (secondsLater: number) =>
      verifyBorrower(t.db, {
        linkId: link.id,
        kind: "dob",
        answer: "1999-01-01",
        hashKey: hashKey(),
        now: new Date(start.getTime() + secondsLater * 1000),
      });
    expect(await answer(0)).toEqual({ status: "wrong", retryAfterSec: 0 });
    expect(await answer(1)).toEqual({ status: "wrong", retryAfterSec: 30 });
    expect(await answer(2)).toEqual({ status: "wait", retryAfterSec: 29 });
    expect(await answer(31)).toEqual({ status: "wrong", retryAfterSec: 120 });
    expect(await answer(60)).toMatchObject({ status: "wait" });
    expect(await answer(151)).toEqual({ status: "wrong", retryAfterSec: 600 });
    expect(await answer(751)).toMatchObject({ status: "locked" });
  });

  it("the page no longer says how many tries are left", async () => {
    const { link } = await borrowerWithLink(t.db);
    const form = new URLSearchParams({
      intent: "verify",
      "dob.day": "1",
      "dob.month": "1",
      "dob.year": "1999",
    });
    const response = (await landingAction({
      request: new Request(`http://portal.test/r/${link.code}`, {
        method: "POST",
        body: form,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      params: { code: link.code },
      context: { db: t.db, clientIp: "192.0.2.77" } as never,
    })) as unknown as { data: unknown; init: ResponseInit };
    expect(response.init.status).toBe(400);
    expect(response.data).toEqual({ result: expect.objectContaining({ error: { "": ["wrong"] } }) });
    expect(Object.keys(response.data as object)).toEqual(["result"]);
    // What the page shows for "wrong", in every language: no count of tries.
    for (const locale of SUPPORTED_LOCALES) {
      const t = await i18nServer.getFixedT(locale, "portal");
      expect(t("landing.wrong", { count: 4 })).not.toMatch(/[0-9０-９]/);
    }
  });
});
