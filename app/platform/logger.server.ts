import pino from "pino";
import { currentRequestId } from "./request-context.server";

/**
 * Where log lines go: stdout (pino's own default), where a server's output belongs. The command line
 * switches to stderr (logToStderr), because its stdout is the command's result: a URL, a key captured
 * with `$(npm run -s settle -- …)`, or `--json` lines.
 */
let destination: pino.DestinationStream = pino.destination(1);

/**
 * Field names whose values are personal data or credentials, censored wherever they appear in a log line's
 * object, at the top or one level down (`{ borrower: { full_name } }`): names, phones, emails, amounts,
 * link codes and answers, free text, addresses, and tokens, cookies and authorization headers. The list is
 * the last line of defence: code logs ids, counts and reasons, never these values (docs/operations.md).
 */
export const REDACTED_FIELDS = [
  // names
  "name",
  "fullName",
  "full_name",
  "firstName",
  "lastName",
  "borrowerName",
  // phones and emails
  "phone",
  "phoneE164",
  "phone_e164",
  "to",
  "from",
  "email",
  // amounts
  "amount",
  "amountMinor",
  "amount_minor",
  "balanceMinor",
  "balance_minor",
  "overdueMinor",
  "overdue_minor",
  "minimumDueMinor",
  "minimum_due_minor",
  // link codes and verification answers
  "code",
  "linkCode",
  "url",
  "dob",
  "idLast4",
  "answer",
  // free text
  "text",
  "body",
  "note",
  "notes",
  "details",
  "description",
  "comment",
  // addresses
  "address",
  "addressLine1",
  "addressLine2",
  "address_line1",
  "address_line2",
  "address_city",
  "address_postal_code",
  // credentials
  "password",
  "token",
  "secret",
  "apiKey",
  "cookie",
  "authorization",
  '["set-cookie"]',
  '["x-api-key"]',
] as const;

const redactPaths = REDACTED_FIELDS.flatMap((field) => [
  field,
  field.startsWith("[") ? `*${field}` : `*.${field}`,
]);

/**
 * One structured logger. Every line written while a request (or a job a request queued) is in progress
 * carries its `reqId`; personal data is censored by field name (REDACTED_FIELDS), and phone numbers and
 * link codes in paths are masked before they are logged (maskPath, maskPhone).
 */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: { paths: redactPaths, censor: "[redacted]" },
    mixin: () => {
      const reqId = currentRequestId();
      return reqId ? { reqId } : {};
    },
    base: undefined,
  },
  { write: (line: string) => destination.write(line) },
);

/** Sends every later log line to stderr, written at once (a command exits right after its work). */
export function logToStderr(): void {
  destination = pino.destination({ dest: 2, sync: true });
}

/** Sends every later log line to the given stream (tests capture the lines in memory). */
export function logTo(stream: pino.DestinationStream): void {
  destination = stream;
}

/** Short-link codes are bearer credentials: keep them out of access logs. */
export function maskPath(path: string): string {
  return path.replace(/^\/r\/[^/?#]+/, "/r/***").replace(/\?.*$/, "");
}

/** +85291234567 -> +852****4567 */
export function maskPhone(e164: string): string {
  if (e164.length <= 6) return "***";
  return `${e164.slice(0, 4)}${"*".repeat(Math.max(0, e164.length - 8))}${e164.slice(-4)}`;
}

/** An error as a log field: message and stack for an Error, its text otherwise. */
export function errorFields(error: unknown): { message: string; stack?: string } | string {
  return error instanceof Error ? { message: error.message, stack: error.stack } : String(error);
}
