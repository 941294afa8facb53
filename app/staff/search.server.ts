import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { escapeLike, phoneCandidates } from "./search-query";

export const SEARCH_PAGE_SIZE = 20;

interface BorrowerSearchHit {
  id: string;
  fullName: string;
  phone: string;
  externalRef: string;
  accounts: Array<{ externalRef: string; last4: string; status: string }>;
}

export interface BorrowerSearchResult {
  hits: BorrowerSearchHit[];
  page: number;
  hasNext: boolean;
}

/**
 * Borrowers matching a phone number (any common way of writing it), part of
 * a name (case-insensitive, metacharacters literal), or the start of an
 * account or borrower reference. Everything user-typed is a bound parameter.
 */
export async function searchBorrowers(
  db: Kysely<Database>,
  query: string,
  page: number,
): Promise<BorrowerSearchResult> {
  const q = query.trim();
  const phones = phoneCandidates(q);
  const contains = `%${escapeLike(q)}%`;
  const prefix = `${escapeLike(q)}%`;
  const offset = (page - 1) * SEARCH_PAGE_SIZE;

  // Each way of matching on its own index (phone btree, trigram indexes for the ILIKEs), then the union
  // of the borrowers found: one OR over them all, with the accounts behind an EXISTS, read every borrower.
  const matches = db
    .selectFrom("borrowers")
    .select("id")
    .where(sql<boolean>`full_name ilike ${contains} escape '\\'`)
    .union(
      db
        .selectFrom("borrowers")
        .select("id")
        .where(sql<boolean>`external_ref ilike ${prefix} escape '\\'`),
    )
    .union(
      db
        .selectFrom("accounts")
        .select("borrower_id as id")
        .where(sql<boolean>`external_ref ilike ${prefix} escape '\\'`),
    )
    .$if(phones.length > 0, (qb) =>
      qb.union(db.selectFrom("borrowers").select("id").where("phone_e164", "in", phones)),
    );
  const rows = await db
    .selectFrom("borrowers as b")
    .select(["b.id", "b.full_name", "b.phone_e164", "b.external_ref"])
    .where("b.id", "in", matches)
    .orderBy("b.full_name")
    .orderBy("b.id")
    .limit(SEARCH_PAGE_SIZE + 1)
    .offset(offset)
    .execute();

  const pageRows = rows.slice(0, SEARCH_PAGE_SIZE);
  const accounts = pageRows.length
    ? await db
        .selectFrom("accounts")
        .select(["borrower_id", "external_ref", "last4", "status"])
        .where(
          "borrower_id",
          "in",
          pageRows.map((r) => r.id),
        )
        .orderBy("external_ref")
        .execute()
    : [];
  return {
    page,
    hasNext: rows.length > SEARCH_PAGE_SIZE,
    hits: pageRows.map((r) => ({
      id: r.id,
      fullName: r.full_name,
      phone: r.phone_e164,
      externalRef: r.external_ref,
      accounts: accounts
        .filter((a) => a.borrower_id === r.id)
        .map((a) => ({ externalRef: a.external_ref, last4: a.last4, status: a.status })),
    })),
  };
}
