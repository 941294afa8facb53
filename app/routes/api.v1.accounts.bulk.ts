import { apiAction, postOnlyLoader } from "~/api/handler.server";
import { readRecordList } from "~/api/body.server";
import { ApiError, apiJson } from "~/api/errors.server";
import { bulkUpsertAccounts, MAX_BULK_RECORDS } from "~/bank/bulk-upsert.server";
import { config } from "~/platform/config.server";

/**
 * POST /api/v1/accounts/bulk — upsert borrowers and accounts by external ref
 * (JSON array or NDJSON, at most 10,000 records). Valid records are written,
 * invalid ones are reported by index and field path and never written; when no
 * record is valid the answer is 400 and nothing is written.
 */
export const loader = postOnlyLoader;

export const action = apiAction(
  { scope: "accounts:write", name: "accounts.bulk" },
  async ({ request, db, principal, receivedAt }) => {
    const records = await readRecordList(request, { maxRecords: MAX_BULK_RECORDS });
    const result = await bulkUpsertAccounts(db, records, {
      hashKey: config().verificationHashKey,
      receivedAt,
      actor: { type: "api", id: principal.prefix },
    });
    if (result.rejected === result.received) {
      throw new ApiError(400, "validation_failed", "No record is valid; nothing was written.", {
        errors: result.errors,
      });
    }
    return apiJson(result);
  },
);
