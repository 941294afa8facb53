import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "../platform/config.server";
import { isSealed, seal, unseal } from "../platform/secret-box.server";

/**
 * Staff TOTP secrets are stored sealed (AES-256-GCM under TOTP_ENCRYPTION_KEY, bound to the user's id):
 * a copy of staff_users yields no second factor, and a secret copied onto another user's row does not open.
 */
const key = () => ({ secret: config().totpEncryptionKey, purpose: "totp-secret" });
const context = (userId: string) => `staff_users.totp_secret:${userId}`;

export function sealTotpSecret(userId: string, secret: string): string {
  return seal(secret, key(), context(userId));
}

/** The authenticator secret; throws when the stored value does not open (altered, or the key changed). */
export function openTotpSecret(userId: string, stored: string): string {
  return unseal(stored, key(), context(userId));
}

/**
 * Seals secrets stored in plain text before TOTP_ENCRYPTION_KEY existed (run at start-up and by
 * `db:migrate`, after the migrations; a no-op once every row is sealed). Returns how many it sealed.
 */
export async function sealPlaintextTotpSecrets(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom("staff_users")
      .select(["id", "totp_secret"])
      .where("totp_secret", "is not", null)
      .where("totp_secret", "not like", "v1.%")
      .forUpdate()
      .execute();
    for (const row of rows) {
      if (!row.totp_secret || isSealed(row.totp_secret)) continue;
      await trx
        .updateTable("staff_users")
        .set({ totp_secret: sealTotpSecret(row.id, row.totp_secret) })
        .where("id", "=", row.id)
        .execute();
    }
    return rows.length;
  });
}
