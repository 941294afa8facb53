import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { unsubscribeFromEmail, unsubscribeTarget } from "~/engine/email-feedback.server";
import { BodyTooLarge, readCappedText } from "~/platform/request-body.server";
import type { loader as rootLoader } from "~/root";

/**
 * The unsubscribe link in every email (docs/product-rules.md §4.17). GET shows a confirmation (no JavaScript
 * needed, in the email's language through its `?lng`); POST turns email off. The same URL is the
 * List-Unsubscribe header's: a mail client's one-click POST (RFC 8058, body `List-Unsubscribe=One-Click`,
 * sometimes multipart, from no page at all) is answered in plain text. It reads its own small body, so the
 * page guards leave it alone (app/server/security.server.ts).
 */
const headers = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
const MAX_BODY = 4 * 1024;

export const meta: MetaFunction = () => [{ name: "robots", content: "noindex, nofollow" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const target = await unsubscribeTarget(context.db, params.token ?? "");
  if (target.status === "invalid") return data({ state: "invalid" as const }, { status: 404, headers });
  return data({ state: target.alreadyOff ? ("already" as const) : ("confirm" as const) }, { headers });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  let body: string;
  try {
    body = await readCappedText(request, MAX_BODY);
  } catch (error) {
    if (error instanceof BodyTooLarge) return new Response("Payload too large", { status: 413 });
    throw error;
  }
  // url-encoded `List-Unsubscribe=One-Click`, or the same field in a multipart body.
  const oneClick = /List-Unsubscribe(?:=|"\r?\n\r?\n)One-Click/.test(body);
  const result = await unsubscribeFromEmail(context.db, params.token ?? "", {
    via: oneClick ? "one_click" : "link",
  });
  if (oneClick)
    return new Response(result.status === "invalid" ? "Not found" : "Unsubscribed", {
      status: result.status === "invalid" ? 404 : 200,
      headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
    });
  if (result.status === "invalid") return data({ state: "invalid" as const }, { status: 404, headers });
  return data(
    { state: result.status === "unsubscribed" ? ("done" as const) : ("already" as const) },
    { headers },
  );
}

export default function EmailUnsubscribe() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("portal");
  const state: "confirm" | "done" | "already" | "invalid" =
    acted && typeof acted === "object" && "state" in acted ? acted.state : loaded.state;
  const hotline = { hotline: root?.hotline };
  const title = {
    confirm: "emailUnsubscribe.title",
    done: "emailUnsubscribe.doneTitle",
    already: "emailUnsubscribe.alreadyTitle",
    invalid: "emailUnsubscribe.invalidTitle",
  }[state];
  return (
    <section className="card" aria-labelledby="unsubscribe-title">
      <h1 id="unsubscribe-title">{t(title)}</h1>
      {state === "confirm" ? (
        <Form method="post" replace>
          <p>{t("emailUnsubscribe.body")}</p>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" className="button primary">
            {t("emailUnsubscribe.button")}
          </button>
        </Form>
      ) : (
        <p>
          {t(state === "invalid" ? "emailUnsubscribe.invalidBody" : "emailUnsubscribe.doneBody", hotline)}
        </p>
      )}
    </section>
  );
}
