import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { RouteHandle } from "~/root";
import { requireStaff } from "~/staff/auth.server";
import { loaderRoles, mayOpen } from "~/staff/permissions";

/** The console hydrates: navigation between its pages is client-side (every form still posts without JS). */
export const handle: RouteHandle = { hydrate: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles("staff") });
  return data(
    {
      user: { displayName: user.displayName, email: user.email, role: user.role },
      nav: {
        audit: mayOpen(user.role, "staff.audit"),
        users: mayOpen(user.role, "staff.users"),
        approvals: mayOpen(user.role, "staff.approvals._index"),
        dashboard: mayOpen(user.role, "staff.dashboard"),
        reconciliation: mayOpen(user.role, "staff.reconciliation"),
        policy: mayOpen(user.role, "staff.policy"),
        experiments: mayOpen(user.role, "staff.experiments"),
        settlementPolicy: mayOpen(user.role, "staff.settlement-policy"),
        templates: mayOpen(user.role, "staff.templates._index"),
        webhooks: mayOpen(user.role, "staff.webhooks"),
        apiKeys: mayOpen(user.role, "staff.api-keys"),
      },
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function StaffLayout() {
  const { user, nav } = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  const { t: tc } = useTranslation("console");
  const { t: ts } = useTranslation("settlement");
  const more: Array<[keyof typeof nav, string, string]> = [
    ["approvals", "/staff/approvals", tc("nav.approvals")],
    ["dashboard", "/staff/dashboard", tc("nav.dashboard")],
    ["reconciliation", "/staff/reconciliation", tc("nav.reconciliation")],
    ["policy", "/staff/policy", tc("nav.policy")],
    ["experiments", "/staff/experiments", tc("nav.experiments")],
    ["settlementPolicy", "/staff/settlement-policy", ts("staff.link")],
    ["templates", "/staff/templates", tc("nav.templates")],
    ["webhooks", "/staff/webhooks", tc("nav.webhooks")],
    ["apiKeys", "/staff/api-keys", tc("nav.apiKeys")],
  ];
  return (
    <div className="staff-shell">
      <div className="staff-bar">
        <nav aria-label={t("nav.label")}>
          <ul className="staff-nav">
            <li>
              <NavLink to="/staff/queues">{t("nav.queues")}</NavLink>
            </li>
            <li>
              <NavLink to="/staff/work">{t("nav.work")}</NavLink>
            </li>
            <li>
              <NavLink to="/staff/borrowers">{t("nav.search")}</NavLink>
            </li>
            {more
              .filter(([key]) => nav[key])
              .map(([key, to, label]) => (
                <li key={key}>
                  <NavLink to={to}>{label}</NavLink>
                </li>
              ))}
            {nav.audit ? (
              <li>
                <NavLink to="/staff/audit">{t("nav.audit")}</NavLink>
              </li>
            ) : null}
            {nav.users ? (
              <li>
                <NavLink to="/staff/users">{t("nav.users")}</NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="staff-user">
          <p>{t("nav.signedInAs", { name: user.displayName, role: t(`roles.${user.role}`) })}</p>
          <Form method="post" action="/staff/sign-out" reloadDocument>
            <button type="submit" className="button secondary">
              {t("nav.signOut")}
            </button>
          </Form>
        </div>
      </div>
      <Outlet />
    </div>
  );
}
