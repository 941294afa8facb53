import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { SUPPORTED_LOCALES } from "~/i18n/config";
import { localeCookie } from "~/i18n/i18n.server";
import { sameSitePath } from "~/platform/same-site-path";

const localeForm = z.object({
  lng: z.enum(SUPPORTED_LOCALES),
  returnTo: z.string().max(2048).catch("/"),
});

export async function action({ request }: ActionFunctionArgs) {
  const parsed = localeForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return new Response("Unsupported language", { status: 400 });
  }
  // Only a path on this site: an open redirect here would let a phishing link borrow our domain.
  const to = sameSitePath(parsed.data.returnTo, { dropParams: ["lng"] });
  return redirect(to, {
    status: 303,
    headers: { "Set-Cookie": await localeCookie.serialize(parsed.data.lng) },
  });
}

export function loader() {
  return redirect("/");
}
