import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { apiKeyHashesMatch, hashApiKey, parseApiKey, type ApiScope } from "./api-keys.server";
import { ApiError } from "./errors.server";

export interface ApiPrincipal {
  keyId: string;
  prefix: string;
  name: string;
  scopes: string[];
}

/** last_used_at is a hint for operators, not an audit trail: written at most once a minute per key. */
const LAST_USED_THROTTLE_MS = 60_000;
const lastUsedWritten = new Map<string, number>();

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="settle-api"' };

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message, undefined, CHALLENGE);
}

/**
 * `Authorization: Bearer sk_settle_<prefix>_<secret>`. Unknown, malformed or
 * mismatched keys all get the same 401; once the caller has proven it holds the
 * key, it is told precisely that the key expired or was revoked. A valid key
 * without the scope gets 403.
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  request: Request,
  requiredScope: ApiScope,
  opts: { hashKey: string; now?: Date },
): Promise<ApiPrincipal> {
  const now = opts.now ?? new Date();
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match)
    throw unauthorized("missing_api_key", "Send an API key as `Authorization: Bearer sk_settle_...`.");
  const parsed = parseApiKey(match[1]!);
  // Hash before looking anything up, so a malformed key costs the same as a wrong one.
  const presentedHash = hashApiKey(match[1]!, opts.hashKey);
  const invalid = () => unauthorized("invalid_api_key", "The API key is not valid.");
  if (!parsed) throw invalid();
  const row = await db
    .selectFrom("api_keys")
    .select(["id", "prefix", "name", "key_hash", "scopes", "expires_at", "revoked_at", "last_used_at"])
    .where("prefix", "=", parsed.prefix)
    .executeTakeFirst();
  if (!row || !apiKeyHashesMatch(presentedHash, row.key_hash)) throw invalid();
  if (row.revoked_at) throw unauthorized("api_key_revoked", "This API key has been revoked.");
  if (row.expires_at && row.expires_at.getTime() <= now.getTime())
    throw unauthorized("api_key_expired", "This API key has expired.");
  if (!row.scopes.includes(requiredScope)) {
    throw new ApiError(403, "insufficient_scope", `This API key lacks the scope ${requiredScope}.`, {
      required: requiredScope,
      granted: row.scopes,
    });
  }
  await touchLastUsed(db, row.id, row.last_used_at, now);
  return { keyId: row.id, prefix: row.prefix, name: row.name, scopes: row.scopes };
}

async function touchLastUsed(db: Kysely<Database>, keyId: string, lastUsedAt: Date | null, now: Date) {
  const written = lastUsedWritten.get(keyId);
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_THROTTLE_MS) return;
  if (written !== undefined && now.getTime() - written < LAST_USED_THROTTLE_MS) return;
  lastUsedWritten.set(keyId, now.getTime());
  const cutoff = new Date(now.getTime() - LAST_USED_THROTTLE_MS);
  // The WHERE makes concurrent web processes write at most once per window between them.
  await db
    .updateTable("api_keys")
    .set({ last_used_at: now })
    .where("id", "=", keyId)
    .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", cutoff)]))
    .execute();
}
