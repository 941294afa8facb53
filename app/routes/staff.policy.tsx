import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { ScrollTable } from "~/ui/ScrollTable";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { loadPolicyEditor, saveContactPolicy } from "~/staff/contact-policy-editor.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { policyFormValues, readPolicyForm, type PolicyProblem } from "~/staff/policy-form";
import { savePolicyForm, type PolicyFormReply } from "~/staff/policy-form-action.server";
import { PolicyEditorForm } from "~/staff/ui/PolicyEditorForm";
import type { ContactPolicy } from "~/domain/contact-policy";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.policy";
const noStore = { "Cache-Control": "no-store" };

/** The contact policy as a form; saving makes a new active version (supervisors, admins). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const view = await loadPolicyEditor(context.db, await displayContext(request));
  const url = new URL(request.url);
  const saved = Number(url.searchParams.get("saved"));
  return data(
    {
      ...view,
      values: policyFormValues(view.policy),
      notice: url.searchParams.has("unchanged")
        ? ("unchanged" as const)
        : Number.isInteger(saved) && saved > 0
          ? ("saved" as const)
          : null,
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  assertRole(session, actionRoles(ROUTE, String(formData.get("intent") ?? "")));
  return savePolicyForm<ContactPolicy, PolicyProblem>(formData, {
    path: "/staff/policy",
    read: readPolicyForm,
    staleVersion: { _form: [{ key: "console:policy.errors.stale" }] },
    save: (policy, baseVersion) =>
      saveContactPolicy(context.db, { staff: session.user, policy, baseVersion }),
  });
}

export default function StaffPolicy() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as PolicyFormReply<PolicyProblem> | undefined;
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("policy.title")}</h1>
      <p className="hint">{t("policy.intro")}</p>
      {v.notice ? (
        <p className="notice" role="status">
          {v.notice === "saved" ? t("policy.saved", { version: v.version }) : t("policy.unchanged")}
        </p>
      ) : null}
      {v.storedInvalid ? (
        <p className="notice notice-error" role="alert">
          {t("policy.storedInvalid", { version: v.version })}
        </p>
      ) : null}
      {actionData?.conflictVersion !== undefined ? (
        <p className="notice notice-error" role="alert">
          {t("policy.conflict", { version: actionData.conflictVersion })}
        </p>
      ) : null}
      <p>
        {v.version === 0
          ? t("policy.usingDefaults")
          : t("policy.current", { version: v.version, when: v.savedAt, name: v.savedBy ?? "—" })}
      </p>

      <PolicyEditorForm
        key={v.version}
        values={actionData?.values ?? v.values}
        errors={actionData?.errors ?? {}}
        baseVersion={v.version}
      />

      <section className="card" aria-labelledby="policy-history">
        <h2 id="policy-history">{t("policy.history")}</h2>
        {v.history.length === 0 ? (
          <p className="hint">{t("policy.noHistory")}</p>
        ) : (
          <ScrollTable labelledBy="policy-history">
            <table className="staff-table">
              <thead>
                <tr>
                  <th scope="col">{t("policy.version")}</th>
                  <th scope="col">{t("policy.savedAt")}</th>
                  <th scope="col">{t("policy.savedBy")}</th>
                  <th scope="col">{t("policy.state")}</th>
                </tr>
              </thead>
              <tbody>
                {v.history.map((h) => (
                  <tr key={h.version}>
                    <td>{h.version}</td>
                    <td>{h.savedAt}</td>
                    <td>{h.savedBy ?? "—"}</td>
                    <td>{h.active ? t("policy.active") : t("policy.replaced")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
        <p className="hint">{t("policy.historyHint")}</p>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
