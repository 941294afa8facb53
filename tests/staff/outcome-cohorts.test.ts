import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { loadOutcomes } from "../../app/staff/outcomes.server";
import { parseOutcomeFilters } from "../../app/staff/outcome-filters";
import { markAccepted } from "../../app/engine/message-status.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower, insertMessage, insertPayment } from "../support/builders";

/**
 * The liquidation cohorts read each account's first arrears reminder ever from `account_milestones`
 * (migration 0156), which triggers keep as texts are written. These drive the dispatcher's own write and
 * history that arrives out of order, then read the cohorts the dashboard shows (docs/outcomes.md).
 *
 * All HKD, overdue 100.00, balance as of 2029-11-01:
 * - B1 was sent an arrears reminder in December 2029 and another in January: December's cohort, never January's.
 * - B2's early reminder is queued, then marked sent on 2030-01-10 by the dispatcher's write: January's cohort.
 * - B3's history arrives late and out of order: a reminder of 2030-01-20, then one of 2030-01-05. It entered
 *   on Jan 5, so its payment of 2030-02-06 falls in its second month since entry (it would be its first had
 *   Jan 20 been kept).
 * - B4 was only sent a due-date reminder (not arrears): in no cohort.
 */
const NOW = new Date("2030-02-15T00:00:00Z");
const at = (iso: string) => new Date(`${iso}Z`);
let t: TestDatabase;

async function account(): Promise<Account> {
  const b = await insertBorrower(t.db, { jurisdiction: "HK", locale: "en" });
  return insertAccount(t.db, {
    borrower_id: b.id,
    overdue_minor: 10_000,
    balance_as_of: at("2029-11-01T00:00:00"),
  });
}
const sent = (a: Account, stage: string, iso: string) =>
  insertMessage(t.db, a, { stage, status: "delivered", sent_at: at(iso) });

function cohorts(from: string, to: string) {
  const parsed = parseOutcomeFilters(new URLSearchParams({ from, to }), "2030-02-15");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return loadOutcomes(t.db, parsed.filters, { timeZone: "UTC", now: NOW }).then((o) => o.cohorts);
}

beforeAll(async () => {
  t = await createTestDatabase();
  const [b1, b2, b3, b4] = [await account(), await account(), await account(), await account()];
  await sent(b1, "early", "2029-12-20T00:00:00");
  await sent(b1, "mid", "2030-01-03T00:00:00");

  const queued = await insertMessage(t.db, b2, { stage: "early", status: "queued" });
  await t.db
    .transaction()
    .execute((trx) =>
      markAccepted(
        trx,
        [{ msg: queued, accepted: { providerMessageId: "SM-b2", status: "sent" } }],
        at("2030-01-10T00:00:00"),
      ),
    );

  await sent(b3, "mid", "2030-01-20T00:00:00");
  await sent(b3, "early", "2030-01-05T00:00:00");
  await insertPayment(t.db, b3, {
    amount_minor: 4_000,
    status: "succeeded",
    succeeded_at: at("2030-02-06T00:00:00"),
  });

  await sent(b4, "due", "2030-01-02T00:00:00");
});
afterAll(async () => {
  await t.destroy();
});

describe("liquidation cohorts from each account's first arrears reminder, kept as texts are written", () => {
  it("January's cohort: the dispatcher's send and the earliest of out-of-order history, not older entrants", async () => {
    expect(await cohorts("2030-01-01", "2030-01-31")).toEqual([
      {
        month: "2030-01",
        currency: "HKD",
        accounts: 2,
        // B2: 100.00 overdue. B3: 100.00 less the 40.00 paid since the balance import, plus the 40.00
        // paid since entry. 200.00 in all.
        placedMinor: 20_000,
        curve: [
          { monthsSinceEntry: 0, collectedMinor: 0 },
          { monthsSinceEntry: 1, collectedMinor: 4_000 },
        ],
      },
    ]);
  });

  it("December's cohort holds the account that entered then, whatever it was sent later", async () => {
    const december = await cohorts("2029-12-01", "2029-12-31");
    expect(december.map((c) => [c.month, c.accounts, c.placedMinor])).toEqual([["2029-12", 1, 10_000]]);
  });
});
