import { generateTOTP } from "@epic-web/totp";
import { randomBytes, randomUUID } from "node:crypto";
import { expect, type APIRequestContext } from "@playwright/test";
import type { Kysely } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { generateTotpSecret, hashPassword, TOTP_PARAMS } from "../../app/staff/auth.server";
import { sealTotpSecret } from "../../app/staff/totp-secrets.server";

export const STAFF_PASSWORD = "e2e staff password 1";

export interface E2eStaff {
  email: string;
  secret: string;
}

/** A staff user straight in the e2e database: known password, and TOTP enrolled with a known secret unless `enrolled: false`. */
export async function createStaff(
  db: Kysely<Database>,
  role: StaffRole,
  opts: { enrolled?: boolean; password?: string } = {},
): Promise<E2eStaff> {
  const secret = generateTotpSecret();
  const email = `e2e-${role}-${randomBytes(4).toString("hex")}@settle.test`;
  const id = randomUUID();
  await db
    .insertInto("staff_users")
    .values({
      id,
      email,
      display_name: `E2E ${role}`,
      role,
      password_hash: await hashPassword(opts.password ?? STAFF_PASSWORD),
      totp_secret: opts.enrolled === false ? null : sealTotpSecret(id, secret),
      totp_enabled_at: opts.enrolled === false ? null : new Date(),
    })
    .execute();
  return { email, secret };
}

export const totpCode = async (secret: string) => (await generateTOTP({ secret, ...TOTP_PARAMS })).otp;

/**
 * Both sign-in steps (password, then TOTP) as the console's plain forms post them, over HTTP without
 * a page: what a browser would do, minus rendering three pages. Leaves the session cookie in `request`.
 */
export async function signInOverHttp(request: APIRequestContext, staff: E2eStaff) {
  const password = await request.post("/staff/login", {
    form: { email: staff.email, password: STAFF_PASSWORD },
    maxRedirects: 0,
  });
  expect(password.status(), "password step").toBe(303);
  expect(password.headers()["location"]).toBe("/staff/two-factor");
  const code = await request.post("/staff/two-factor", {
    form: { code: await totpCode(staff.secret) },
    maxRedirects: 0,
  });
  expect(code.status(), "TOTP step").toBe(303);
  expect(code.headers()["location"]).toBe("/staff/queues");
}
