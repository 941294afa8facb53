import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compiledOnce,
  connectDatabase,
  executePrepared,
  preparedStatementName,
  type DatabaseHandle,
} from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { openShortLinks } from "../../app/messaging/short-links.server";
import { config } from "../../app/platform/config.server";

let t: TestDatabase;
let one: DatabaseHandle; // one connection, so what it has prepared can be read back on it
beforeAll(async () => {
  t = await createTestDatabase();
  one = connectDatabase(t.url, { max: 1 });
});
afterAll(async () => {
  await one.close();
  await t.destroy();
});

const prepared = async () =>
  (
    await sql<{
      name: string;
      statement: string;
    }>`select name, statement from pg_prepared_statements`.execute(one.db)
  ).rows;

describe("statements prepared per connection (executePrepared)", () => {
  it("names the statement on the connection that runs it, once, and still binds each call's values", async () => {
    const query = (n: number) => sql<{ doubled: number }>`select ${n}::int * 2 as doubled`.compile(one.db);
    const results: number[] = [];
    for (const n of [1, 2, 3, 4, 5, 6, 7])
      results.push((await executePrepared(one.db, query(n))).rows[0]!.doubled);
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14]); // past the fifth run Postgres may switch to the generic plan

    const name = preparedStatementName(query(1).sql);
    expect(name).toMatch(/^settle_\d+$/);
    const rows = await prepared();
    expect(rows.filter((r) => r.name === name)).toHaveLength(1);
    expect(rows.find((r) => r.name === name)!.statement).toBe(query(1).sql);
  });

  it("leaves every other statement unnamed", async () => {
    const text = sql`select 41 + 1 as answer`.compile(one.db);
    await one.db.executeQuery(text);
    expect(preparedStatementName(text.sql)).toBeUndefined();
    expect((await prepared()).map((r) => r.statement)).not.toContain(text.sql);
  });

  it("the landing's open runs prepared and answers each link for itself", async () => {
    const keys = config().linkSigningKeys;
    const a = await borrowerWithLink(t.db);
    const b = await borrowerWithLink(t.db);
    const before = (await prepared()).length;
    for (let i = 0; i < 6; i++) {
      const [[openA], [openB]] = [
        await openShortLinks(one.db, [{ code: a.link.code }], keys),
        await openShortLinks(one.db, [{ code: b.link.code }], keys),
      ];
      expect(openA).toMatchObject({
        status: "ok",
        link: { id: a.link.id, openCount: i + 1 },
        account: { last4: a.account.last4 },
      });
      expect(openB).toMatchObject({
        status: "ok",
        link: { id: b.link.id, openCount: i + 1 },
        account: { last4: b.account.last4 },
      });
    }
    expect((await prepared()).length).toBe(before + 1);
  });
});

describe("statements compiled once (compiledOnce)", () => {
  it("builds the statement once and binds each call's values, keeping the statement's own constants", async () => {
    let builds = 0;
    const accountsOf = compiledOnce(["borrowerId", "after"], (db, v: { borrowerId: string; after: Date }) => {
      builds += 1;
      return db
        .selectFrom("accounts")
        .select("external_ref")
        .where("borrower_id", "=", v.borrowerId)
        .where("status", "!=", "closed") // a constant of the statement: stays in every call's parameters
        .where("created_at", ">", v.after)
        .orderBy("external_ref");
    });
    const a = await borrowerWithLink(t.db);
    const b = await borrowerWithLink(t.db);
    const longAgo = new Date("2000-01-01T00:00:00Z");
    const first = accountsOf(one.db, { borrowerId: a.borrower.id, after: longAgo });
    const second = accountsOf(one.db, { borrowerId: b.borrower.id, after: longAgo });
    expect(second.sql).toBe(first.sql);
    expect(first.parameters).toEqual([a.borrower.id, "closed", longAgo]);
    expect((await executePrepared(one.db, first)).rows).toEqual([{ external_ref: a.account.external_ref }]);
    expect((await executePrepared(one.db, second)).rows).toEqual([{ external_ref: b.account.external_ref }]);
    const inTheFuture = accountsOf(one.db, {
      borrowerId: a.borrower.id,
      after: new Date(Date.now() + 86_400_000),
    });
    expect((await executePrepared(one.db, inTheFuture)).rows).toEqual([]);
    expect(builds).toBe(1);
  });

  it("refuses, at the first call, a value the statement does not take as a parameter", () => {
    const unused = compiledOnce(["borrowerId", "limit"], (db, v: { borrowerId: string; limit: number }) =>
      db.selectFrom("accounts").select("id").where("borrower_id", "=", v.borrowerId),
    );
    expect(() => unused(one.db, { borrowerId: "x", limit: 3 })).toThrow(
      /limit did not become query parameters/,
    );
  });
});
