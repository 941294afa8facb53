import { z } from "zod";
import { ConfigError } from "../platform/config.server";

/**
 * Staff-console settings (kept beside the console, validated like app/platform/config.server.ts).
 * STAFF_TIME_ZONE: the zone the console shows times in (the bank's office), IANA name.
 */
const schema = z.object({
  STAFF_TIME_ZONE: z
    .string()
    .default("Asia/Hong_Kong")
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as Asia/Hong_Kong"),
});

let cached: z.infer<typeof schema> | undefined;
export function staffConfig(env: Record<string, string | undefined> = process.env) {
  if (env !== process.env) return parse(env);
  cached ??= parse(env);
  return cached;
}

function parse(env: Record<string, string | undefined>) {
  const parsed = schema.safeParse({ STAFF_TIME_ZONE: env.STAFF_TIME_ZONE || undefined });
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}
