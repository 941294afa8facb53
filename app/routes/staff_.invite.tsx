import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { startPendingLogin } from "~/staff/session.server";
import { inviteIsLive, INVITE_TOKEN, redeemInvite } from "~/staff/staff-invites.server";

const noStore = { "Cache-Control": "no-store" };
const redeemSchema = z.object({ token: z.string().regex(INVITE_TOKEN) });

/**
 * Public: where an invited member's set-up link lands (/staff/invite?token=…). Opening it spends nothing (a
 * mail scanner may fetch it); the button spends it and goes on to the first-sign-in page.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const live = await inviteIsLive(context.db, token);
  return data({ token: live ? token : null }, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = redeemSchema.safeParse(Object.fromEntries(await request.formData()));
  const member = parsed.success ? await redeemInvite(context.db, { token: parsed.data.token }) : null;
  if (!member) return data({ error: "invite.invalid" }, { status: 410, headers: noStore });
  const cookie = await startPendingLogin({
    userId: member.id,
    step: "setup",
    passwordHash: member.passwordHash,
  });
  return redirect("/staff/setup", { status: 303, headers: { ...noStore, "Set-Cookie": cookie } });
}

export default function StaffInvite() {
  const { token } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const live = token !== null && !actionData?.error;
  return (
    <section className="card staff-auth" aria-labelledby="invite-title">
      <h1 id="invite-title">{t("invite.title")}</h1>
      {live ? (
        <>
          <p>{t("invite.intro")}</p>
          <Form method="post">
            <input type="hidden" name="token" value={token} />
            <button type="submit" className="button primary">
              {t("invite.continue")}
            </button>
          </Form>
        </>
      ) : (
        <>
          <p className="notice notice-error" role="alert">
            {t("invite.invalid")}
          </p>
          <p>
            <Link to="/staff/login">{t("invite.toLogin")}</Link>
          </p>
        </>
      )}
    </section>
  );
}
