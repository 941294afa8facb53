/**
 * Work that several loaders of one request need (the root's page language and the landing's link open
 * both read the link): the first caller runs it, later callers in the same request get the same promise.
 * One memo per request, made by the HTTP server; without one (a test calling a loader), work just runs.
 */
export type RequestMemo = Map<string, Promise<unknown>>;

export function once<T>(memo: RequestMemo | undefined, key: string, run: () => Promise<T>): Promise<T> {
  if (!memo) return run();
  let pending = memo.get(key) as Promise<T> | undefined;
  if (!pending) memo.set(key, (pending = run()));
  return pending;
}
