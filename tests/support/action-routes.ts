import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROUTES_DIR = fileURLToPath(new URL("../../app/routes/", import.meta.url));

/** Every route file exporting an action, as a concrete URL path (params filled in). */
export function actionPaths(): string[] {
  return readdirSync(ROUTES_DIR)
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".test.ts"))
    .filter((f) => /export (async )?(function|const) action\b/.test(readFileSync(ROUTES_DIR + f, "utf8")))
    .map((f) => {
      const segments = f
        .replace(/\.tsx?$/, "")
        .split(/\.(?![^[]*\])/)
        .filter((s) => s !== "_index")
        .map((s) => s.replace(/_$/, "").replace(/\[(.*?)\]/g, "$1"))
        .map((s) => (s === "$" ? "anything" : s.startsWith("$") ? "x1" : s));
      return "/" + segments.join("/");
    });
}

/**
 * Paths that read their own bodies and authenticate without cookies (the email unsubscribe URL by its
 * signed token: mail clients POST to it from no page, RFC 8058).
 */
export const ownBodyPath = (path: string) =>
  path.startsWith("/api/") || path.startsWith("/webhooks/") || path.startsWith("/email/unsubscribe/");
