import { apiJson } from "~/api/errors.server";
import { openApiDocument } from "~/api/openapi.server";

/** GET /api/v1/openapi.json — the API contract, generated from the handlers' zod schemas. Public: it holds no data. */
export function loader() {
  return apiJson(openApiDocument());
}
