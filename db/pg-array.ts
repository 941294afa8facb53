/**
 * A Postgres array literal for one text parameter (cast it: `${pgArray(ids)}::uuid[]`): null as NULL,
 * numbers as they are, instants as ISO strings, text quoted with backslash escapes. Built here rather
 * than by the driver, which escapes every element with two regular expressions and formats dates slowly.
 */
export function pgArray(values: ReadonlyArray<string | number | Date | null | undefined>): string {
  const parts = new Array<string>(values.length);
  // Batches repeat the same instant (the run's clock, a due time), so format each one once.
  let lastTime = NaN;
  let lastIso = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = "NULL";
    else if (typeof v === "number") parts[i] = String(v);
    else if (v instanceof Date) {
      const time = v.getTime();
      if (time !== lastTime) {
        lastIso = `"${v.toISOString()}"`;
        lastTime = time;
      }
      parts[i] = lastIso;
    } else parts[i] = NEEDS_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, "\\$&")}"` : `"${v}"`;
  }
  return `{${parts.join(",")}}`;
}
const NEEDS_ESCAPE = /[\\"]/;
