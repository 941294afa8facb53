const ORIGIN = "http://same-site.invalid";

/**
 * `value` as a path on this site (path and query, as the browser will resolve it), or "/" when it is
 * not one. The check runs on the path the URL parser produces, not on the raw text: "/.//evil.example"
 * resolves to "//evil.example" (dot segments removed), which a browser reads as another host, as it
 * does "/\evil.example". So the resolved path must start with exactly one slash.
 */
export function sameSitePath(value: string, opts: { dropParams?: readonly string[] } = {}): string {
  if (!value.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== ORIGIN || !url.pathname.startsWith("/") || url.pathname.startsWith("//")) return "/";
  for (const name of opts.dropParams ?? []) url.searchParams.delete(name);
  return url.pathname + url.search;
}
