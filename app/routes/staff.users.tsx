import { useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { isSupportedLocale } from "~/i18n/config";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { formatStaffDateTime } from "~/staff/format";
import { actionRoles, loaderRoles, STAFF_ROLES } from "~/staff/permissions";
import type { StaffAdminRefusal } from "~/staff/staff-admin.server";
import {
  DONE_NOTICES,
  inviteSchema,
  memberChangeSchema,
  type DoneNotice,
  type InviteFields,
} from "~/staff/staff-admin-forms";
import { inviteStaff, inviteUrl } from "~/staff/staff-invites.server";
import { changeStaffMember, listStaffUsers } from "~/staff/users.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { InvitedNotice, InviteForm, StaffUsersTable } from "~/staff/ui/StaffUsers";

const ROUTE = "staff.users";
const noStore = { "Cache-Control": "no-store" };

type UsersActionData =
  | { intent: "invite"; result: SubmissionResult<string[]>; invited?: undefined }
  | {
      intent: "invite";
      invited: { email: string; url: string; expiresAt: string; reissued: boolean; emailing: boolean };
      result?: undefined;
    }
  | { intent: "change"; error: string };

/** Staff accounts (admins): invite, disable and re-enable, change roles, reset authenticators, sign out. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const url = new URL(request.url);
  const revoked = Number(url.searchParams.get("revoked"));
  const done = url.searchParams.get("done");
  const display = await displayContext(request);
  return data(
    {
      me: session.user.id,
      users: (await listStaffUsers(context.db)).map((u) => ({
        ...u,
        inviteExpiresAt:
          u.inviteExpiresAt && formatStaffDateTime(u.inviteExpiresAt, display.locale, display.timeZone),
      })),
      roles: [...STAFF_ROLES],
      revoked: Number.isInteger(revoked) && revoked >= 0 && url.searchParams.has("revoked") ? revoked : null,
      done: DONE_NOTICES.includes(done as DoneNotice) ? (done as DoneNotice) : null,
    },
    { headers: noStore },
  );
}

const REFUSALS: Record<StaffAdminRefusal, { error: string; status: number }> = {
  not_found: { error: "errors.notFound", status: 404 },
  self: { error: "errors.staffSelf", status: 409 },
  last_admin: { error: "errors.lastAdmin", status: 409 },
};

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  assertRole(session, actionRoles(ROUTE, intent));
  if (intent !== "invite") {
    const parsed = memberChangeSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success)
      return data({ intent: "change", error: "errors.invalidRequest" } satisfies UsersActionData, {
        status: 400,
        headers: noStore,
      });
    const outcome = await changeStaffMember(context.db, session.user, parsed.data);
    if (outcome.status === "revoked")
      return redirect(`/staff/users?revoked=${outcome.revoked}`, { status: 303, headers: noStore });
    if (outcome.status === "ok")
      return redirect(`/staff/users?done=${outcome.notice}`, { status: 303, headers: noStore });
    const refusal = REFUSALS[outcome.status];
    return data({ intent: "change", error: refusal.error } satisfies UsersActionData, {
      status: refusal.status,
      headers: noStore,
    });
  }
  const submission = parseWithZod(formData, { schema: inviteSchema });
  if (submission.status !== "success")
    return data({ intent: "invite", result: submission.reply() } satisfies UsersActionData, {
      status: 400,
      headers: noStore,
    });
  const display = await displayContext(request);
  const invited = await inviteStaff(context.db, {
    actor: { kind: "staff", user: session.user },
    ...submission.value,
    language: submission.value.language ?? (isSupportedLocale(display.locale) ? display.locale : undefined),
  });
  if (invited.status === "exists")
    return data(
      {
        intent: "invite",
        result: submission.reply({ fieldErrors: { email: ["errors.staffExists"] } }),
      } satisfies UsersActionData,
      { status: 409, headers: noStore },
    );
  // Not a redirect: the link exists only in this response (Settle keeps only its hash).
  return data(
    {
      intent: "invite",
      invited: {
        email: invited.user.email,
        url: inviteUrl(context.publicBaseUrl, invited.token),
        expiresAt: formatStaffDateTime(invited.expiresAt, display.locale, display.timeZone),
        reissued: invited.status === "reissued",
        emailing: invited.emailing,
      },
    } satisfies UsersActionData,
    { headers: noStore },
  );
}

export default function StaffUsers() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as UsersActionData | undefined;
  const { t } = useTranslation("staff");
  const inviteForm = useForm<InviteFields>({
    id: "invite-form",
    lastResult: actionData?.intent === "invite" && actionData.result ? actionData.result : undefined,
    shouldValidate: "onSubmit",
  });
  const invited = actionData?.intent === "invite" ? actionData.invited : undefined;
  return (
    <>
      <h1>{t("users.title")}</h1>
      <p className="hint">{t("users.intro")}</p>
      {v.revoked !== null ? (
        <p className="notice" role="status">
          {t("users.revoked", { count: v.revoked })}
        </p>
      ) : null}
      {v.done ? (
        <p className="notice" role="status">
          {t(`users.done.${v.done}`)}
        </p>
      ) : null}
      {actionData?.intent === "change" ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error)}
        </p>
      ) : null}
      {invited ? <InvitedNotice invited={invited} /> : null}
      <StaffUsersTable users={v.users} me={v.me} roles={v.roles} />
      <InviteForm form={inviteForm} roles={v.roles} />
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
