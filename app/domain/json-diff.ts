/**
 * What changed between two JSON documents, leaf by leaf (for the audit record
 * of a policy edit: "stages.2.everyDays: 3 -> 4"). Arrays are compared by index.
 */
export interface JsonChange {
  path: string;
  /** JSON text of the old value; null when the path is new. */
  from: string | null;
  /** JSON text of the new value; null when the path was removed. */
  to: string | null;
}

export function flattenJson(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string) => {
    if (
      v !== null &&
      typeof v === "object" &&
      (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)
    ) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>))
        walk(child, path ? `${path}.${k}` : k);
      return;
    }
    if (v === undefined) return;
    out.set(path, JSON.stringify(v));
  };
  walk(value, prefix);
  return out;
}

export function diffJson(before: unknown, after: unknown): JsonChange[] {
  const a = flattenJson(before);
  const b = flattenJson(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(comparePaths);
  const changes: JsonChange[] = [];
  for (const path of paths) {
    const from = a.get(path) ?? null;
    const to = b.get(path) ?? null;
    if (from !== to) changes.push({ path, from, to });
  }
  return changes;
}

/** Dotted paths in reading order: numeric segments compare as numbers (stages.2 before stages.10). */
function comparePaths(x: string, y: string): number {
  const xs = x.split(".");
  const ys = y.split(".");
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const [p, q] = [xs[i]!, ys[i]!];
    if (p === q) continue;
    const [np, nq] = [Number(p), Number(q)];
    if (Number.isInteger(np) && Number.isInteger(nq)) return np - nq;
    return p < q ? -1 : 1;
  }
  return xs.length - ys.length;
}

/** One line per change, for people: `caps.smsPerAccountPerDay: 1 -> 2`. */
export function describeChanges(changes: readonly JsonChange[]): string[] {
  return changes.map((c) => `${c.path}: ${c.from ?? "(none)"} -> ${c.to ?? "(none)"}`);
}
