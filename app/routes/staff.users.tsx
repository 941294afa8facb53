import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { adminRevokeSessions, listStaffUsers } from "~/staff/users.server";

const ROUTE = "staff.users";
const noStore = { "Cache-Control": "no-store" };
const revokeSchema = z.object({ intent: z.literal("revoke_sessions"), staffUserId: z.string().uuid() });

/** Staff accounts (admins): who is enrolled and signed in; sign someone out everywhere. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const url = new URL(request.url);
  const revoked = Number(url.searchParams.get("revoked"));
  return data(
    {
      users: await listStaffUsers(context.db),
      revoked: Number.isInteger(revoked) && revoked >= 0 && url.searchParams.has("revoked") ? revoked : null,
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const parsed = revokeSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: "errors.invalidRequest" }, { status: 400, headers: noStore });
  assertRole(session, actionRoles(ROUTE, parsed.data.intent));
  const result = await adminRevokeSessions(context.db, {
    admin: session.user,
    staffUserId: parsed.data.staffUserId,
  });
  if (result.status === "not_found")
    return data({ error: "errors.notFound" }, { status: 404, headers: noStore });
  return redirect(`/staff/users?revoked=${result.revoked}`, { status: 303, headers: noStore });
}

export default function StaffUsers() {
  const { users, revoked } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  return (
    <>
      <h1>{t("users.title")}</h1>
      <p className="hint">{t("users.intro")}</p>
      {revoked !== null ? (
        <p className="notice" role="status">
          {t("users.revoked", { count: revoked })}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error)}
        </p>
      ) : null}
      <section className="card" aria-labelledby="users-table-title">
        <h2 id="users-table-title" className="visually-hidden">
          {t("users.title")}
        </h2>
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="users-table-title">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("users.email")}</th>
                <th scope="col">{t("users.name")}</th>
                <th scope="col">{t("users.role")}</th>
                <th scope="col">{t("users.state")}</th>
                <th scope="col">{t("users.sessions")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("users.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.displayName}</td>
                  <td>{t(`roles.${u.role}`)}</td>
                  <td>
                    {u.disabled
                      ? t("users.disabled")
                      : u.enrolled
                        ? t("users.active")
                        : t("users.notEnrolled")}
                  </td>
                  <td>{u.activeSessions}</td>
                  <td>
                    {u.activeSessions > 0 ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke_sessions" />
                        <input type="hidden" name="staffUserId" value={u.id} />
                        <button type="submit" className="button secondary small">
                          {t("users.revoke", { email: u.email })}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
