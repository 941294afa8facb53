import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { applySucceededPayment, PaymentApplicationError } from "../payments/apply-payment.server";
import { asOfSchema, currencySchema, externalRefSchema } from "./account-record.server";
import { confirmPaymentsIncludedInBalance } from "./account-sync.server";
import { countPayment } from "../platform/metrics.server";

/**
 * Payments the borrower made outside the portal (at a branch, by bank transfer),
 * reported by the bank's core system. Idempotent by the bank's reference: the
 * same payment posted twice is recorded and applied (plan, reminders, receipt,
 * bank event) once.
 */
export const offlinePaymentSchema = z
  .object({
    external_ref: externalRefSchema.describe("The bank's reference for this payment (idempotency key)"),
    account_ref: externalRefSchema.describe("The bank's id for the account paid"),
    amount_minor: z
      .number({ required_error: "is required", invalid_type_error: "must be a whole number of minor units" })
      .int("must be a whole number of minor units")
      .positive("must be more than zero")
      .max(Number.MAX_SAFE_INTEGER, "is too large"),
    currency: currencySchema,
    source: z.enum(["offline_branch", "offline_transfer"]),
    paid_at: asOfSchema
      .describe(
        "When the money was received (ISO 8601 with zone). Default: when Settle received the request.",
      )
      .optional(),
  })
  .strict()
  .describe("A payment made at a branch or by bank transfer");

export type OfflinePayment = z.output<typeof offlinePaymentSchema>;

export type OfflinePaymentOutcome =
  | { status: "applied" | "duplicate"; paymentId: string }
  | { status: "account_not_found" }
  | { status: "currency_mismatch"; accountCurrency: string }
  | { status: "conflict"; message: string };

export async function recordOfflinePayment(
  db: Kysely<Database>,
  payment: OfflinePayment,
  receivedAt: Date,
): Promise<OfflinePaymentOutcome> {
  try {
    const outcome = await db.transaction().execute(async (trx): Promise<OfflinePaymentOutcome> => {
      const account = await trx
        .selectFrom("accounts")
        .select(["id", "borrower_id", "currency", "balance_as_of"])
        .where("external_ref", "=", payment.account_ref)
        .executeTakeFirst();
      if (!account) return { status: "account_not_found" };
      if (account.currency !== payment.currency)
        return { status: "currency_mismatch", accountCurrency: account.currency };
      const result = await applySucceededPayment(trx, {
        accountId: account.id,
        borrowerId: account.borrower_id,
        amountMinor: payment.amount_minor,
        currency: payment.currency,
        source: payment.source,
        idempotencyKey: `offline:${payment.external_ref}`,
        externalRef: payment.external_ref,
        now: receivedAt,
      });
      if (!result.applied) return { status: "duplicate", paymentId: result.paymentId };
      const paidAt = payment.paid_at ? new Date(payment.paid_at) : null;
      if (paidAt && paidAt < receivedAt) {
        // When the money moved decides whether a bank balance already includes it
        // (docs/product-rules.md §6.5).
        await trx
          .updateTable("payments")
          .set({ succeeded_at: paidAt })
          .where("id", "=", result.paymentId)
          .execute();
        // Re-read under the lock applySucceededPayment took: a balance taken after the payment already counts it.
        const current = await trx
          .selectFrom("accounts")
          .select("balance_as_of")
          .where("id", "=", account.id)
          .executeTakeFirstOrThrow();
        await confirmPaymentsIncludedInBalance(trx, [{ id: account.id, asOf: current.balance_as_of }]);
      }
      return { status: "applied", paymentId: result.paymentId };
    });
    if (outcome.status === "applied") countPayment("offline", "succeeded");
    return outcome;
  } catch (error) {
    if (error instanceof PaymentApplicationError) return { status: "conflict", message: error.message };
    throw error;
  }
}
