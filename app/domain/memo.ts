/**
 * A bounded memo for pure computations keyed by a string: Intl formatters, zone lookups, dates a run
 * sees over and over. When it holds `maxEntries` it starts afresh (the callers' key spaces are small;
 * the bound only stops an unexpected one from growing without end). Results may be any value,
 * undefined and null included.
 */
export function boundedMemo<T>(maxEntries: number): (key: string, compute: () => T) => T {
  const cache = new Map<string, T>();
  return (key, compute) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    const value = compute();
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, value);
    return value;
  };
}
