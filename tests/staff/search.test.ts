import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader as searchLoader } from "../../app/routes/staff.borrowers._index";
import { SEARCH_PAGE_SIZE, searchBorrowers } from "../../app/staff/search.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower } from "../support/builders";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
const ids: Record<string, string> = {};
beforeAll(async () => {
  t = await createTestDatabase();
  const names = {
    percent: "100% Sure",
    underscore: "Under_score",
    quote: "O'Brien",
    backslash: "Back\\slash",
    plain: "Plain Person",
    chinese: "陳大文",
  };
  for (const [k, name] of Object.entries(names))
    ids[k] = (await insertBorrower(t.db, { full_name: name })).id;
  const phoned = await insertBorrower(t.db, { full_name: "Phone Owner", phone_e164: "+85291234599" });
  ids.phone = phoned.id;
  const withAccount = await insertBorrower(t.db, { full_name: "Account Holder" });
  ids.account = withAccount.id;
  await insertAccount(t.db, { borrower_id: withAccount.id, external_ref: "ACME-77-CC" });
});
afterAll(async () => {
  await t.destroy();
});

const names = async (q: string, page = 1) =>
  (await searchBorrowers(t.db, q, page)).hits.map((h) => h.fullName).sort();

describe("borrower search", () => {
  it("treats LIKE metacharacters and quotes in a name query as plain characters", async () => {
    expect(await names("%")).toEqual(["100% Sure"]);
    expect(await names("_")).toEqual(["Under_score"]);
    expect(await names("'")).toEqual(["O'Brien"]);
    expect(await names("\\")).toEqual(["Back\\slash"]);
    expect(await names("%_")).toEqual([]);
    expect(await names("'; drop table borrowers; --")).toEqual([]);
    expect(
      await t.db.selectFrom("borrowers").select("id").where("id", "=", ids.plain!).executeTakeFirst(),
    ).toBeDefined();
  });

  it("matches part of a name, case-insensitively, in any script", async () => {
    expect(await names("plain pers")).toEqual(["Plain Person"]);
    expect(await names("o'brien")).toEqual(["O'Brien"]);
    expect(await names("大文")).toEqual(["陳大文"]);
  });

  it("finds a phone number however it is typed", async () => {
    for (const q of ["+852 9123 4599", "9123-4599", "85291234599", "(+852) 9123 4599"]) {
      expect(await names(q), q).toEqual(["Phone Owner"]);
    }
  });

  it("finds the start of an account reference, case-insensitively", async () => {
    expect(await names("acme-77")).toEqual(["Account Holder"]);
    const hit = (await searchBorrowers(t.db, "ACME-77-CC", 1)).hits[0];
    expect(hit?.accounts).toEqual([{ externalRef: "ACME-77-CC", last4: "1234", status: "delinquent" }]);
  });

  it("pages through many matches", async () => {
    for (let i = 0; i < SEARCH_PAGE_SIZE + 5; i++)
      await insertBorrower(t.db, { full_name: `Paged ${String(i).padStart(2, "0")}` });
    const first = await searchBorrowers(t.db, "paged", 1);
    const second = await searchBorrowers(t.db, "paged", 2);
    expect(first.hits).toHaveLength(SEARCH_PAGE_SIZE);
    expect(first.hasNext).toBe(true);
    expect(second.hits).toHaveLength(5);
    expect(second.hasNext).toBe(false);
    expect(new Set([...first.hits, ...second.hits].map((h) => h.id)).size).toBe(SEARCH_PAGE_SIZE + 5);
  });

  it("the page loader searches only for staff, and ignores bad paging input", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    const context = staffContext(t.db);
    const ok = await outcome(() =>
      searchLoader({
        request: get(`/staff/borrowers?q=${encodeURIComponent("100%")}&page=abc`, cookie),
        params: {},
        context,
      }),
    );
    expect(ok.status).toBe(200);
    const data = ok.data as { result: { hits: Array<{ fullName: string }>; page: number } };
    expect(data.result.page).toBe(1);
    expect(data.result.hits.map((h) => h.fullName)).toEqual(["100% Sure"]);
    const anonymous = await outcome(() =>
      searchLoader({ request: get("/staff/borrowers?q=Plain"), params: {}, context }),
    );
    expect(anonymous.status).toBe(302);
  });
});
