import { generateTOTP } from "@epic-web/totp";
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, StaffRole, StaffUser } from "../../db/schema";
import { generateTotpSecret, hashPassword, TOTP_PARAMS } from "../../app/staff/auth.server";
import { startStaffSession } from "../../app/staff/session.server";
import { sealTotpSecret } from "../../app/staff/totp-secrets.server";
import { insertStaffUser } from "../support/builders";

/** Helpers for staff-console tests: enrolled users, signed-in requests, and route results normalised. */
const BASE = "http://portal.test";

export function staffContext(db: Kysely<Database>, clientIp = "198.51.100.7") {
  return { db, cspNonce: "x", publicBaseUrl: BASE, clientIp };
}

let knownHash: Promise<string> | undefined;
export const KNOWN_PASSWORD = "correct horse battery staple";

/** An enrolled staff member whose password is KNOWN_PASSWORD (argon2 hashed once per file). */
export async function enrolledStaff(
  db: Kysely<Database>,
  role: StaffRole,
  overrides: Partial<Parameters<typeof insertStaffUser>[1]> = {},
) {
  knownHash ??= hashPassword(KNOWN_PASSWORD);
  const secret = generateTotpSecret();
  const id = overrides.id ?? randomUUID();
  const user = await insertStaffUser(db, {
    id,
    role,
    display_name: `Test ${role}`,
    password_hash: await knownHash,
    totp_secret: sealTotpSecret(id, secret),
    totp_enabled_at: new Date(),
    ...overrides,
  });
  return { user, secret };
}

/** The current TOTP code for a secret (what the authenticator app would show). */
export async function currentCode(secret: string): Promise<string> {
  return (await generateTOTP({ secret, ...TOTP_PARAMS })).otp;
}

/** `name=value` pairs for a Cookie header from Set-Cookie header values. */
export function cookieHeader(...setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}

export async function signedInCookie(db: Kysely<Database>, user: StaffUser, now?: Date): Promise<string> {
  return cookieHeader(await startStaffSession(db, { userId: user.id, now }));
}

export function get(path: string, cookie?: string): Request {
  return new Request(`${BASE}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}

export function post(path: string, form: Record<string, string>, cookie?: string): Request {
  return new Request(`${BASE}${path}`, {
    method: "POST",
    body: new URLSearchParams(form),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) },
  });
}

export interface RouteOutcome {
  status: number;
  location: string | null;
  setCookies: string[];
  data: unknown;
}

/** Runs a loader or action and reports what Remix would send, whether it returned or threw. */
export async function outcome(run: () => Promise<unknown>): Promise<RouteOutcome> {
  let value: unknown;
  try {
    value = await run();
  } catch (thrown) {
    value = thrown;
    if (!(thrown instanceof Response) && !isDataWithInit(thrown)) throw thrown;
  }
  if (value instanceof Response) {
    return {
      status: value.status,
      location: value.headers.get("Location"),
      setCookies: value.headers.getSetCookie(),
      data: value.headers.get("Content-Type")?.includes("json") ? await value.json() : null,
    };
  }
  if (isDataWithInit(value)) {
    const headers = new Headers(value.init?.headers);
    return {
      status: value.init?.status ?? 200,
      location: headers.get("Location"),
      setCookies: headers.getSetCookie(),
      data: value.data,
    };
  }
  return { status: 200, location: null, setCookies: [], data: value };
}

function isDataWithInit(
  v: unknown,
): v is { type: "DataWithResponseInit"; data: unknown; init: ResponseInit | null } {
  return typeof v === "object" && v !== null && (v as { type?: unknown }).type === "DataWithResponseInit";
}
