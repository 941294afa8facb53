import { apiAction, postOnlyLoader } from "~/api/handler.server";
import { readJsonBody } from "~/api/body.server";
import { ApiError, apiJson, fieldIssues } from "~/api/errors.server";
import { offlinePaymentSchema, recordOfflinePayment } from "~/bank/offline-payments.server";

/** POST /api/v1/payments — an offline payment (branch or transfer), idempotent by the bank's reference. */
export const loader = postOnlyLoader;

export const action = apiAction(
  { scope: "payments:write", name: "payments.create" },
  async ({ request, db, receivedAt }) => {
    const parsed = offlinePaymentSchema.safeParse(await readJsonBody(request));
    if (!parsed.success)
      throw new ApiError(400, "validation_failed", "The payment is not valid; nothing was written.", {
        issues: fieldIssues(parsed.error.issues),
      });
    const outcome = await recordOfflinePayment(db, parsed.data, receivedAt);
    switch (outcome.status) {
      case "account_not_found":
        throw new ApiError(404, "account_not_found", "No account has this external ref.");
      case "currency_mismatch":
        throw new ApiError(422, "currency_mismatch", `The account is held in ${outcome.accountCurrency}.`, {
          accountCurrency: outcome.accountCurrency,
        });
      case "conflict":
        throw new ApiError(
          409,
          "payment_conflict",
          "A payment with this external_ref was already recorded with different details.",
        );
      default:
        return apiJson(
          {
            payment_id: outcome.paymentId,
            external_ref: parsed.data.external_ref,
            applied: outcome.status === "applied",
          },
          { status: outcome.status === "applied" ? 201 : 200 },
        );
    }
  },
);
