import { apiAction, postOnlyLoader } from "~/api/handler.server";
import { readJsonBody } from "~/api/body.server";
import { ApiError, apiJson, fieldIssues } from "~/api/errors.server";
import { statusApiActor, statusRefusedError } from "~/api/status-errors.server";
import { applyStatusRequest, statusRequestSchema } from "~/bank/status-requests.server";

/** POST /api/v1/statuses — set an account status (docs/product-rules.md §4.18), idempotent by external_ref. */
export const loader = postOnlyLoader;

export const action = apiAction(
  { scope: "accounts:write", name: "statuses.create" },
  async ({ request, db, principal, receivedAt }) => {
    const parsed = statusRequestSchema.safeParse(await readJsonBody(request));
    if (!parsed.success)
      throw new ApiError(400, "validation_failed", "The status is not valid; nothing was written.", {
        issues: fieldIssues(parsed.error.issues),
      });
    const outcome = await applyStatusRequest(db, parsed.data, statusApiActor(principal.keyId), receivedAt);
    switch (outcome.status) {
      case "not_found":
        throw new ApiError(404, "not_found", "No borrower (or no account of theirs) has this external ref.");
      case "conflict":
        throw new ApiError(
          409,
          "status_conflict",
          "A status with this external_ref was already set with a different kind, borrower or account.",
        );
      case "refused":
        throw statusRefusedError(outcome.code);
      case "duplicate":
        return apiJson({
          status_id: outcome.statusId,
          external_ref: parsed.data.external_ref,
          created: false,
        });
      case "set":
        return apiJson(
          {
            status_id: outcome.statusId,
            external_ref: parsed.data.external_ref,
            created: true,
            ends_at: outcome.endsAt?.toISOString() ?? null,
          },
          { status: 201 },
        );
    }
  },
);
