import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../app/i18n/config";

const keys = (o: unknown, prefix = ""): string[] =>
  o && typeof o === "object"
    ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => keys(v, `${prefix}${k}.`))
    : [prefix.slice(0, -1)];
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

describe("translations", () => {
  const namespaces = readdirSync(join("locales", "en")).filter((f) => f.endsWith(".json"));
  const load = (lng: string, ns: string) =>
    JSON.parse(readFileSync(join("locales", lng, ns), "utf8")) as Record<string, unknown>;

  it.each(namespaces)("%s has the same keys and placeholders in every language", (ns) => {
    const reference = load("en", ns);
    const refKeys = keys(reference).sort();
    for (const lng of SUPPORTED_LOCALES) {
      const other = load(lng, ns);
      expect(keys(other).sort(), `${lng}/${ns}`).toEqual(refKeys);
      for (const key of refKeys) {
        const get = (o: Record<string, unknown>) =>
          key.split(".").reduce<unknown>((acc, k) => (acc as Record<string, unknown>)[k], o);
        expect(placeholders(String(get(other))), `${lng}/${ns}:${key}`).toEqual(
          placeholders(String(get(reference))),
        );
        expect(String(get(other)).trim(), `${lng}/${ns}:${key} is empty`).not.toBe("");
      }
    }
  });
});
