import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { loadSettlementPolicyEditor, saveSettlementPolicy } from "~/staff/settlement-policy-editor.server";
import { savePolicyForm, type PolicyFormReply } from "~/staff/policy-form-action.server";
import { readSettlementPolicyForm, settlementPolicyValues } from "~/staff/settlement-policy-form";
import { SettlementPolicyForm } from "~/staff/ui/SettlementPolicyForm";
import { ScrollTable } from "~/ui/ScrollTable";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

/** The settlement bands, versioned (supervisors, admins; docs/product-rules.md §7.10). */
const ROUTE = "staff.settlement-policy";
const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const view = await loadSettlementPolicyEditor(context.db, await displayContext(request));
  const url = new URL(request.url);
  return data(
    {
      version: view.version,
      history: view.history,
      values: settlementPolicyValues(view.policy),
      notice: url.searchParams.has("saved")
        ? "saved"
        : url.searchParams.has("unchanged")
          ? "unchanged"
          : null,
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  assertRole(session, actionRoles(ROUTE, String(formData.get("intent") ?? "")));
  return savePolicyForm(formData, {
    path: "/staff/settlement-policy",
    read: readSettlementPolicyForm,
    staleVersion: { baseVersion: ["staff.fieldNumber"] },
    save: (policy, baseVersion) =>
      saveSettlementPolicy(context.db, { staff: session.user, policy, baseVersion }),
  });
}

export default function StaffSettlementPolicy() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as PolicyFormReply<string> | undefined;
  const { t } = useTranslation("settlement");
  return (
    <>
      <h1>{t("staff.policyTitle")}</h1>
      <p className="hint">{t("staff.policyIntro")}</p>
      {v.notice ? (
        <p className="notice" role="status">
          {v.notice === "saved" ? t("staff.saved", { version: v.version }) : t("staff.unchanged")}
        </p>
      ) : null}
      {actionData?.conflictVersion !== undefined ? (
        <p className="notice notice-error" role="alert">
          {t("staff.conflict", { version: actionData.conflictVersion })}
        </p>
      ) : null}
      <p>{v.version === 0 ? t("staff.usingDefaults") : t("staff.version") + " " + v.version}</p>
      <SettlementPolicyForm
        key={v.version}
        values={actionData?.values ?? v.values}
        errors={actionData?.errors ?? {}}
        baseVersion={v.version}
      />
      <section className="card" aria-labelledby="sp-history">
        <h2 id="sp-history">{t("staff.history")}</h2>
        <ScrollTable labelledBy="sp-history">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("staff.version")}</th>
                <th scope="col">{t("staff.savedAt")}</th>
                <th scope="col">{t("staff.savedBy")}</th>
              </tr>
            </thead>
            <tbody>
              {v.history.map((h) => (
                <tr key={h.version}>
                  <td>{h.version}</td>
                  <td>{h.savedAt}</td>
                  <td>{h.savedBy ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
