import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";

/**
 * Synthetic book for the benchmarks, inserted set-based (generate_series, no
 * per-row round trips). Ids are the tables' own defaults (time-ordered, migration 0011), drawn in row
 * order as an import draws them; accounts find their borrowers by reference. About one borrower in
 * nine has two accounts.
 *
 * The mix (by account number modulo 100): 35 % current and not yet due, 10 %
 * pre-due (1-3 days before the due date), 5 % due today, 46 % delinquent across
 * the early / mid / late / serious stages, 4 % paid or closed. Borrowers: 70 %
 * Hong Kong, 15 % mainland China, 10 % UK, 5 % US (the last two are in quiet
 * hours at the planner's clock, 11:00 Hong Kong time, so they are deferred);
 * locales 50 % zh-HK, 20 % zh-CN, 30 % en; about 14 % have stored preferences,
 * 2 % of those opted out of SMS; 2 % of accounts are flagged wrong number, 0.5 % disputed.
 */
export async function seedBook(
  db: Kysely<Database>,
  opts: { accounts: number; today: string },
): Promise<{ borrowers: number; accounts: number }> {
  const accounts = opts.accounts;
  const borrowers = Math.max(1, Math.ceil(accounts * 0.9));
  const today = opts.today;
  await sql`
    insert into borrowers (external_ref, full_name, phone_e164, locale, time_zone, jurisdiction)
    select 'BB' || i,
      (array['Chan Tai Man', '陳大文', 'Wong Siu Ming', '李小龍', 'Alexandra Catherine Wong-Smythe', 'Lee Ka Yan'])[1 + i % 6],
      '+8529' || lpad((i % 10000000)::text, 7, '0'),
      (array['zh-HK', 'zh-HK', 'zh-HK', 'zh-HK', 'zh-HK', 'zh-CN', 'zh-CN', 'en', 'en', 'en'])[1 + i % 10],
      case when i % 20 < 14 then 'Asia/Hong_Kong' when i % 20 < 17 then 'Asia/Shanghai' when i % 20 < 19 then 'Europe/London' else 'America/New_York' end,
      case when i % 20 < 14 then 'HK' when i % 20 < 17 then 'CN' when i % 20 < 19 then 'UK' else 'US' end
    from generate_series(1, ${borrowers}::int) i
  `.execute(db);
  await sql`
    insert into contact_preferences (borrower_id, sms_allowed, preferred_locale, window_start, window_end, max_per_week, sms_opted_out_at)
    select (select id from borrowers where external_ref = 'BB' || i), true,
      case when i % 3 = 0 then 'en' else null end,
      case when i % 5 = 0 then time '10:00' else null end,
      case when i % 5 = 0 then time '19:00' else null end,
      case when i % 4 = 0 then 3 else null end,
      case when i % 49 = 0 then now() - interval '20 days' else null end
    from generate_series(7, ${borrowers}::int, 7) i
  `.execute(db);
  await sql`
    insert into accounts (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor,
                          minimum_due_minor, due_date, dpd, status, wrong_number_at, dispute_at, balance_as_of)
    select (select id from borrowers where external_ref = 'BB' || b), 'BA' || i,
      (array['credit_card', 'personal_loan', 'auto_loan', 'mortgage'])[1 + i % 4],
      lpad((i % 10000)::text, 4, '0'),
      case when b % 20 between 14 and 16 then 'CNY' else 'HKD' end,
      100000 + (i % 997) * 1000,
      case when k < 50 or k >= 96 then 0 else 5000 + (i % 89) * 500 end,
      2000 + (i % 53) * 100,
      case
        when k < 35 then ${today}::date + 4 + i % 24
        when k < 45 then ${today}::date + 1 + i % 3
        when k < 50 then ${today}::date
        else ${today}::date - dpd
      end,
      case when k < 50 or k >= 96 then 0 else dpd end,
      case when k < 50 then 'current' when k < 96 then 'delinquent' when k < 98 then 'paid' else 'closed' end,
      case when i % 50 = 7 then now() - interval '3 days' else null end,
      case when i % 200 = 3 then now() - interval '10 days' else null end,
      now() - interval '1 day'
    from (
      select i, 1 + (i - 1) % ${borrowers}::int as b, i % 100 as k,
        case
          when i % 100 < 62 then 1 + i % 6     -- early
          when i % 100 < 76 then 7 + i % 23    -- mid
          when i % 100 < 88 then 30 + i % 30   -- late
          else 60 + i % 120                    -- serious
        end as dpd
      from generate_series(1, ${accounts}::int) i
    ) s
  `.execute(db);
  await sql`analyze`.execute(db);
  return { borrowers, accounts };
}
