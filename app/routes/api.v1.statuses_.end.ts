import { apiAction, postOnlyLoader } from "~/api/handler.server";
import { readJsonBody } from "~/api/body.server";
import { ApiError, apiJson, fieldIssues } from "~/api/errors.server";
import { statusApiActor } from "~/api/status-errors.server";
import { endStatusRequest, statusEndSchema } from "~/bank/status-requests.server";

/** POST /api/v1/statuses/end — end a status set through the API; ending it again changes nothing. */
export const loader = postOnlyLoader;

export const action = apiAction(
  { scope: "accounts:write", name: "statuses.end" },
  async ({ request, db, principal, receivedAt }) => {
    const parsed = statusEndSchema.safeParse(await readJsonBody(request));
    if (!parsed.success)
      throw new ApiError(400, "validation_failed", "The request is not valid; nothing was written.", {
        issues: fieldIssues(parsed.error.issues),
      });
    const outcome = await endStatusRequest(db, parsed.data, statusApiActor(principal.keyId), receivedAt);
    if (outcome.status === "not_found")
      throw new ApiError(404, "status_not_found", "No status was set with this external_ref.");
    return apiJson({ status_id: outcome.statusId, ended: outcome.status === "ended" });
  },
);
