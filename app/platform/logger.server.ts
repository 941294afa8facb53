import pino from "pino";

/**
 * Where log lines go: stdout (pino's own default), where a server's output belongs. The command line
 * switches to stderr (logToStderr), because its stdout is the command's result: a URL, a key captured
 * with `$(npm run -s settle -- …)`, or `--json` lines.
 */
let destination: pino.DestinationStream = pino.destination(1);

/** One structured logger. Phone numbers and link codes never reach it unmasked (see maskPath, maskPhone). */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: {
      paths: [
        "phone",
        "*.phone",
        "to",
        "*.to",
        "from",
        "*.from",
        "password",
        "*.password",
        "code",
        "*.code",
        "dob",
        "idLast4",
      ],
      censor: "[redacted]",
    },
    base: undefined,
  },
  { write: (line: string) => destination.write(line) },
);

/** Sends every later log line to stderr, written at once (a command exits right after its work). */
export function logToStderr(): void {
  destination = pino.destination({ dest: 2, sync: true });
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
