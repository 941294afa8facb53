import { sql, type Expression, type RawBuilder } from "kysely";
import { CREDITED_PAYMENT_STATUSES } from "./schema";

/**
 * What payments have changed in an account since the bank's balance `since` (docs/product-rules.md
 * §6.5, §6.7), summed over the rows of `payments` (a table or its alias): a payment credited after the
 * balance counts with what it still credits (its amount less refunds and disputes); a payment the
 * balance already counts contributes the amount taken back from it since, until the bank's next
 * balance includes that too. Negative when reversals outweigh new payments: the arrears rise again.
 */
export function pendingCreditMinor(payments: string, since: Date | Expression<Date>): RawBuilder<string> {
  const col = (c: string) => sql.ref(`${payments}.${c}`);
  return sql<string>`coalesce(sum(case
    when ${col("bank_confirmed_at")} is null and ${col("succeeded_at")} > ${since}
      then ${col("amount_minor")} - ${col("reversed_minor")}
    when ${col("reversed_at")} > ${since} then -${col("reversed_minor")}
    else 0 end) filter (where ${isCredited(payments)}), 0)::bigint`;
}

/** The payment (a table or its alias) was credited to its account: succeeded, whatever was reversed since. */
export function isCredited(payments: string): RawBuilder<boolean> {
  const statuses = sql.join(CREDITED_PAYMENT_STATUSES.map((s) => sql.lit(s)));
  return sql<boolean>`${sql.ref(`${payments}.status`)} in (${statuses})`;
}
