import { sql, type Kysely } from "kysely";

/**
 * Addresses and whose the phone is (issue #18 item 3, issue #19 item 2; docs/product-rules.md
 * §4.19, §4.20):
 * - the borrower's postal address (lines, city, region, postal code, country), as the bank sends it, and
 *   when a visit found that the borrower moved (`address_stale_at`: no visit until a new address);
 * - whose the phone number is (`phone_owner`): a number the bank supplies is the borrower's unless marked
 *   otherwise, so existing rows are `borrower`.
 * The planner reads these, so they come first; the visit log is 0146. Safe while the previous release
 * serves: every added column is nullable or has a default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table borrowers
    add column address_line1 text check (address_line1 is null or char_length(address_line1) between 1 and 200),
    add column address_line2 text check (address_line2 is null or char_length(address_line2) between 1 and 200),
    add column address_city text check (address_city is null or char_length(address_city) between 1 and 100),
    add column address_region text check (address_region is null or char_length(address_region) between 1 and 100),
    add column address_postal_code text
      check (address_postal_code is null or char_length(address_postal_code) between 1 and 20),
    add column address_country text check (address_country is null or address_country ~ '^[A-Z]{2}$'),
    add column address_stale_at timestamptz,
    add column phone_owner text not null default 'borrower'
      check (phone_owner in ('borrower', 'third_party', 'unknown'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table borrowers
    drop column address_line1, drop column address_line2, drop column address_city, drop column address_region,
    drop column address_postal_code, drop column address_country, drop column address_stale_at,
    drop column phone_owner`.execute(db);
}
