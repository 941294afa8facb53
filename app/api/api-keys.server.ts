import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";

/**
 * API keys for the bank's core system: `sk_settle_<prefix>_<secret>`. The prefix
 * finds the row (and is safe to show in consoles and logs); only a keyed hash
 * (HMAC-SHA256) of the whole key is stored, so a leaked table yields no usable key
 * and cannot be brute-forced offline without the hash key.
 */
export const API_SCOPES = ["accounts:write", "payments:write"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 32; // base62: ~190 bits
const KEY_PATTERN = new RegExp(`^sk_settle_([0-9A-Za-z]{${PREFIX_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`);
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: rejecting the top values keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function parseApiKey(raw: string): { prefix: string; key: string } | null {
  const match = KEY_PATTERN.exec(raw);
  return match ? { prefix: match[1]!, key: raw } : null;
}

export function hashApiKey(key: string, hashKey: string): string {
  return createHmac("sha256", hashKey).update(key).digest("hex");
}

/** Constant-time comparison of two hex digests of equal length. */
export function apiKeyHashesMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export interface CreatedApiKey {
  id: string;
  prefix: string;
  /** Shown once; Settle cannot show it again. */
  key: string;
  scopes: ApiScope[];
  expiresAt: Date | null;
}

export async function createApiKey(
  db: Kysely<Database>,
  input: {
    name: string;
    scopes: readonly ApiScope[];
    expiresAt?: Date | null;
    createdByStaffId?: string | null;
    hashKey: string;
  },
): Promise<CreatedApiKey> {
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) throw new Error("an API key needs at least one scope");
  return db.transaction().execute(async (trx) => {
    // The prefix is unique; a collision among 62^8 values is astronomically unlikely, but cheap to retry.
    for (let tries = 0; ; tries++) {
      const prefix = randomBase62(PREFIX_LENGTH);
      const key = `sk_settle_${prefix}_${randomBase62(SECRET_LENGTH)}`;
      const row = await trx
        .insertInto("api_keys")
        .values({
          name: input.name,
          prefix,
          key_hash: hashApiKey(key, input.hashKey),
          scopes,
          created_by_staff_id: input.createdByStaffId ?? null,
          expires_at: input.expiresAt ?? null,
        })
        .onConflict((oc) => oc.column("prefix").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!row) {
        if (tries > 3) throw new Error("could not allocate a unique API key prefix");
        continue;
      }
      await auditKeyChange(trx, "api_key.created", row.id, input.createdByStaffId, {
        prefix,
        name: input.name,
        scopes,
        expiresAt: input.expiresAt ?? null,
      });
      return { id: row.id, prefix, key, scopes, expiresAt: input.expiresAt ?? null };
    }
  });
}

/** Revokes at once; returns false when no live key has that prefix. */
export async function revokeApiKey(
  db: Kysely<Database>,
  prefix: string,
  opts: { staffId?: string | null; now?: Date } = {},
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("api_keys")
      .set({ revoked_at: opts.now ?? new Date() })
      .where("prefix", "=", prefix)
      .where("revoked_at", "is", null)
      .returning(["id", "name"])
      .executeTakeFirst();
    if (!row) return false;
    await auditKeyChange(trx, "api_key.revoked", row.id, opts.staffId, { prefix, name: row.name });
    return true;
  });
}

async function auditKeyChange(
  trx: Transaction<Database>,
  action: string,
  keyId: string,
  staffId: string | null | undefined,
  detail: Record<string, unknown>,
) {
  await appendAudit(trx, {
    actorType: staffId ? "staff" : "system",
    actorId: staffId ?? null,
    action,
    subjectType: "api_key",
    subjectId: keyId,
    detail,
  });
}
