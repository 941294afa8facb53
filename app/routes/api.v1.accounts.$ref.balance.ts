import { apiAction, postOnlyLoader } from "~/api/handler.server";
import { readJsonBody } from "~/api/body.server";
import { ApiError, apiJson, fieldIssues } from "~/api/errors.server";
import { balanceUpdateSchema } from "~/bank/account-record.server";
import { updateAccountBalance } from "~/bank/balance-update.server";

/** POST /api/v1/accounts/{ref}/balance — a new balance for one account (omitted fields unchanged). */
export const loader = postOnlyLoader;

export const action = apiAction(
  { scope: "accounts:write", name: "accounts.balance" },
  async ({ request, params, db, principal, receivedAt }) => {
    const body = await readJsonBody(request);
    const parsed = balanceUpdateSchema.safeParse(body);
    if (!parsed.success)
      throw new ApiError(400, "validation_failed", "The balance update is not valid; nothing was written.", {
        issues: fieldIssues(parsed.error.issues),
      });
    const outcome = await updateAccountBalance(db, {
      accountRef: params.ref ?? "",
      update: parsed.data,
      receivedAt,
      apiKeyPrefix: principal.prefix,
    });
    if (outcome.result === "not_found")
      throw new ApiError(404, "account_not_found", "No account has this external ref.");
    return apiJson({
      account_ref: params.ref,
      result: outcome.result,
      balance_as_of: outcome.balanceAsOf.toISOString(),
      payments_confirmed: outcome.paymentsConfirmed,
    });
  },
);
