import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { SUPPORTED_LOCALES } from "~/i18n/config";
import { localeCookie } from "~/i18n/i18n.server";

// Only same-site paths: an open redirect here would let a phishing link borrow our domain.
const localeForm = z.object({
  lng: z.enum(SUPPORTED_LOCALES),
  returnTo: z
    .string()
    .max(2048)
    .regex(/^\/(?![/\\])/, "must be a path on this site")
    .catch("/"),
});

export async function action({ request }: ActionFunctionArgs) {
  const parsed = localeForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return new Response("Unsupported language", { status: 400 });
  }
  const url = new URL(parsed.data.returnTo, "http://local");
  url.searchParams.delete("lng");
  return redirect(url.pathname + url.search, {
    status: 303,
    headers: { "Set-Cookie": await localeCookie.serialize(parsed.data.lng) },
  });
}

export function loader() {
  return redirect("/");
}
