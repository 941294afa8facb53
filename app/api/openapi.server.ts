import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { accountRecordSchema, balanceUpdateSchema } from "../bank/account-record.server";
import { MAX_BULK_RECORDS } from "../bank/bulk-upsert.server";
import { offlinePaymentSchema } from "../bank/offline-payments.server";
import { statusEndSchema, statusRequestSchema } from "../bank/status-requests.server";
import { API_SCOPES } from "./api-keys.server";
import { MAX_BODY_BYTES } from "./body.server";

/**
 * The /api/v1 contract, generated from the very zod schemas the handlers
 * validate with, so the document cannot drift from the code.
 */
extendZodWithOpenApi(z);

function buildDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: `An API key \`sk_settle_<prefix>_<secret>\` from \`npm run settle -- apikey:create\`. Scopes: ${API_SCOPES.join(", ")}.`,
  });
  const schemas = registerSchemas(registry);
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: schemas.ErrorBody } },
  });
  const authErrors = {
    401: error("Missing, invalid, expired (api_key_expired) or revoked (api_key_revoked) API key"),
    403: error("The key lacks the endpoint's scope (insufficient_scope)"),
    413: error("Body larger than the limit (payload_too_large) or too many records (too_many_records)"),
    415: error("Unsupported Content-Type"),
    429: error("Rate limit for this key exceeded; see Retry-After"),
  };
  const paths: PathContext = { registry, schemas, security: bearer.name, error, authErrors };
  registerBulkPath(paths);
  registerBalancePath(paths);
  registerPaymentPath(paths);
  registerStatusPaths(paths);
  registerBankEventWebhook(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Settle bank integration API",
      version: "1.0.0",
      description:
        "How the bank's core system keeps Settle in step: borrowers, accounts, balances and offline payments in; signed events out.",
    },
    servers: [{ url: "/" }],
  });
}

/** The named schemas, in the document's order. */
function registerSchemas(registry: OpenAPIRegistry) {
  const ErrorBody = registry.register(
    "Error",
    z.object({
      error: z.object({
        code: z
          .string()
          .describe(
            "Stable identifier, e.g. validation_failed, invalid_api_key, insufficient_scope, payload_too_large",
          ),
        message: z.string(),
        details: z.unknown().optional(),
      }),
    }),
  );
  const AccountRecord = registry.register("AccountRecord", accountRecordSchema);
  const BalanceUpdate = registry.register("BalanceUpdate", balanceUpdateSchema);
  const OfflinePayment = registry.register("OfflinePayment", offlinePaymentSchema);
  const RecordError = registry.register(
    "RecordError",
    z.object({
      index: z
        .number()
        .int()
        .describe("0-based position in the request (for NDJSON: the n-th non-blank line)"),
      account_ref: z.string().optional(),
      issues: z.array(
        z.object({
          path: z.string().describe("Field path inside the record, e.g. phone"),
          message: z.string(),
        }),
      ),
    }),
  );
  const BulkResult = registry.register(
    "BulkUpsertResult",
    z.object({
      received: z.number().int(),
      created: z.number().int(),
      updated: z.number().int(),
      unchanged: z
        .number()
        .int()
        .describe(
          "Identical to what Settle held, older than it (stale), or superseded by a later record in the same request",
        ),
      rejected: z.number().int(),
      errors: z.array(RecordError),
    }),
  );
  return { ErrorBody, AccountRecord, BalanceUpdate, OfflinePayment, BulkResult };
}

type ErrorResponse = { description: string; content: { "application/json": { schema: z.ZodTypeAny } } };

interface PathContext {
  registry: OpenAPIRegistry;
  schemas: ReturnType<typeof registerSchemas>;
  /** The bearer scheme's name, for each path's security requirement. */
  security: string;
  error: (description: string) => ErrorResponse;
  authErrors: Record<401 | 403 | 413 | 415 | 429, ErrorResponse>;
}

function registerBulkPath({ registry, schemas, security, error, authErrors }: PathContext) {
  const { AccountRecord, BulkResult } = schemas;
  registry.registerPath({
    method: "post",
    path: "/api/v1/accounts/bulk",
    summary: "Upsert borrowers and accounts by external ref",
    description:
      `At most ${MAX_BULK_RECORDS} records and ${MAX_BODY_BYTES} bytes per request. Idempotent: records are matched by ` +
      "external ref; a record identical to what Settle holds, or older than it (balance_as_of), changes nothing. Valid " +
      "records are written and invalid ones reported by index and field path (never written); when no record is valid the " +
      "answer is 400. A body that does not parse is 400 and nothing is written. A balance that moves forward marks payments " +
      "up to its balance_as_of as confirmed by the bank. Send balance_as_of with every record: without it Settle uses the " +
      "time it received the request, so a retry moves balance_as_of forward instead of being an exact no-op.",
    security: [{ [security]: ["accounts:write"] }],
    request: {
      body: {
        required: true,
        content: {
          "application/json": { schema: z.array(AccountRecord) },
          "application/x-ndjson": { schema: AccountRecord },
        },
      },
    },
    responses: {
      200: {
        description: "Processed; see errors for rejected records",
        content: { "application/json": { schema: BulkResult } },
      },
      400: error("Unparseable body, or no valid record (details.errors lists them)"),
      ...authErrors,
    },
  });
}

function registerBalancePath({ registry, schemas, security, error, authErrors }: PathContext) {
  registry.registerPath({
    method: "post",
    path: "/api/v1/accounts/{ref}/balance",
    summary: "Update one account's balance",
    description:
      "Omitted fields keep their current values. An update older than the account's balance_as_of is ignored (result stale).",
    security: [{ [security]: ["accounts:write"] }],
    request: {
      params: z.object({ ref: z.string().describe("The account's external ref") }),
      body: { required: true, content: { "application/json": { schema: schemas.BalanceUpdate } } },
    },
    responses: {
      200: {
        description: "Applied, unchanged, or stale",
        content: {
          "application/json": {
            schema: z.object({
              account_ref: z.string(),
              result: z.enum(["updated", "unchanged", "stale"]),
              balance_as_of: z.string().datetime(),
              payments_confirmed: z.number().int(),
            }),
          },
        },
      },
      400: error("Invalid body (details.issues lists field paths)"),
      404: error("No account with this ref"),
      ...authErrors,
    },
  });
}

function registerPaymentPath({ registry, schemas, security, error, authErrors }: PathContext) {
  registry.registerPath({
    method: "post",
    path: "/api/v1/payments",
    summary: "Record an offline payment (branch or bank transfer)",
    description:
      "Idempotent by external_ref: posting the same payment again returns 200 with applied=false and changes nothing.",
    security: [{ [security]: ["payments:write"] }],
    request: {
      body: { required: true, content: { "application/json": { schema: schemas.OfflinePayment } } },
    },
    responses: {
      201: {
        description: "Recorded and applied",
        content: {
          "application/json": {
            schema: z.object({
              payment_id: z.string().uuid(),
              external_ref: z.string(),
              applied: z.boolean(),
            }),
          },
        },
      },
      200: { description: "Already recorded (applied=false)" },
      400: error("Invalid body (details.issues lists field paths)"),
      404: error("No account with this ref"),
      409: error("This external_ref was recorded with a different amount or account"),
      422: error("Currency differs from the account's"),
      ...authErrors,
    },
  });
}

function registerStatusPaths({ registry, security, error, authErrors }: PathContext) {
  const StatusRequest = registry.register("AccountStatus", statusRequestSchema);
  const StatusEnd = registry.register("AccountStatusEnd", statusEndSchema);
  registry.registerPath({
    method: "post",
    path: "/api/v1/statuses",
    summary: "Set an account status that stops or shapes contact",
    description:
      "Breathing Space (standard: 60 days, at most once in 12 months; crisis: until ended), dispute (one account; " +
      "optionally with a validation notice), cease_contact, insolvency, deceased (opens a bereavement task), vulnerable " +
      "(gentle templates only, no calls). Idempotent by external_ref: the same status posted again returns 200 with " +
      "created=false; the same external_ref with a different kind, borrower or account is 409.",
    security: [{ [security]: ["accounts:write"] }],
    request: { body: { required: true, content: { "application/json": { schema: StatusRequest } } } },
    responses: {
      201: {
        description: "Set",
        content: {
          "application/json": {
            schema: z.object({
              status_id: z.string().uuid(),
              external_ref: z.string(),
              created: z.boolean(),
              ends_at: z.string().datetime().nullable().describe("A standard Breathing Space's end"),
            }),
          },
        },
      },
      200: { description: "Already set with this external_ref (created=false)" },
      400: error("Invalid body (details.issues lists field paths)"),
      404: error("No borrower, or no account of theirs, with this ref"),
      409: error(
        "status_conflict, already_in_force, breathing_space_in_force, or breathing_space_within_limit (one standard Breathing Space in 12 months)",
      ),
      422: error("account_required (a dispute names its account) or notice_needs_dispute"),
      ...authErrors,
    },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/statuses/end",
    summary: "End a status set through the API",
    description:
      "Ending a status already ended (or past its own end) changes nothing and answers ended=false.",
    security: [{ [security]: ["accounts:write"] }],
    request: { body: { required: true, content: { "application/json": { schema: StatusEnd } } } },
    responses: {
      200: {
        description: "Ended, or already ended",
        content: {
          "application/json": { schema: z.object({ status_id: z.string().uuid(), ended: z.boolean() }) },
        },
      },
      400: error("Invalid body (details.issues lists field paths)"),
      404: error("No status with this external_ref"),
      ...authErrors,
    },
  });
}

function registerBankEventWebhook(registry: OpenAPIRegistry) {
  registry.registerWebhook({
    method: "post",
    path: "bankEvent",
    summary: "An event Settle sends to BANK_WEBHOOK_URL",
    description:
      "Headers: Settle-Event-Id (stable; deduplicate on it, deliveries are at least once), Settle-Event-Type, and " +
      'Settle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with BANK_WEBHOOK_SECRET>. Refuse ' +
      "timestamps more than 5 minutes away. Answer 2xx within 10 s; anything else is retried with exponential backoff (12 attempts).",
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              id: z.string().uuid(),
              type: z.string().describe("e.g. payment.succeeded, plan.approved, sms.opted_out"),
              created_at: z.string().datetime(),
              data: z
                .record(z.unknown())
                .describe("Event fields, plus account_ref and borrower_ref when the event concerns them"),
            }),
          },
        },
      },
    },
    responses: { 200: { description: "Received" } },
  });
}

let cached: ReturnType<typeof buildDocument> | undefined;
export function openApiDocument() {
  cached ??= buildDocument();
  return cached;
}
