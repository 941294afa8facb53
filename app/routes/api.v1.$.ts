import { ApiError, apiErrorResponse } from "~/api/errors.server";

/** Unknown /api/v1 paths answer in the API's JSON error shape, not with the portal's HTML 404. */
function notFound() {
  return apiErrorResponse(new ApiError(404, "not_found", "No such API endpoint; see /api/v1/openapi.json."));
}
export const loader = notFound;
export const action = notFound;
