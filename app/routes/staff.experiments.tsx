import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { closeExperiment, loadExperiments, startExperiment } from "~/staff/experiments.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { activeContactPolicy } from "~/engine/planner.server";
import {
  policyFormValues,
  readPolicyForm,
  type PolicyFieldErrors,
  type PolicyFormValues,
} from "~/staff/policy-form";
import { ExperimentCard, StartExperimentForm } from "~/staff/ui/Experiments";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.experiments";
const noStore = { "Cache-Control": "no-store" };

/** The challenger's own fields beside the policy form (docs/product-rules.md §4.21). */
const startSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "experiments.errors.name")
    .max(80, "experiments.errors.name")
    // Control characters (NUL above all, which Postgres text cannot hold) have no place in a label.
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), "experiments.errors.name"),
  sharePercent: z.coerce
    .number({ invalid_type_error: "experiments.errors.share" })
    .int("experiments.errors.share")
    .min(1, "experiments.errors.share")
    .max(50, "experiments.errors.share"),
});
const closeSchema = z.object({ experimentId: z.string().uuid() });
const NOTICES = ["started", "stopped", "promoted", "notRunning", "alreadyRunning"] as const;

export interface ExperimentActionData {
  values: PolicyFormValues;
  errors: PolicyFieldErrors;
}

/** Strategy experiments: the running one compared arm by arm, the start form, and closed ones (supervisors, admins). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const [view, champion] = await Promise.all([
    loadExperiments(context.db, await displayContext(request)),
    activeContactPolicy(context.db),
  ]);
  const notice = new URL(request.url).searchParams.get("notice");
  return data(
    {
      ...view,
      values: policyFormValues(champion),
      notice: NOTICES.find((n) => n === notice) ?? null,
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  assertRole(session, actionRoles(ROUTE, intent));
  const values: PolicyFormValues = {};
  for (const [key, value] of formData) if (typeof value === "string") values[key] = value;
  const done = (notice: (typeof NOTICES)[number]) =>
    redirect(`/staff/experiments?notice=${notice}`, { status: 303, headers: noStore });

  if (intent === "stop" || intent === "promote") {
    const parsed = closeSchema.safeParse(values);
    if (!parsed.success) return data({ values, errors: {} }, { status: 400, headers: noStore });
    const closed = await closeExperiment(context.db, {
      staff: session.user,
      experimentId: parsed.data.experimentId,
      promote: intent === "promote",
    });
    return done(closed.status === "not_running" ? "notRunning" : closed.status);
  }
  if (intent !== "start") return data({ values, errors: {} }, { status: 400, headers: noStore });

  const own = startSchema.safeParse(values);
  const read = readPolicyForm(values);
  if (!own.success || !read.ok) {
    const errors: PolicyFieldErrors = read.ok ? {} : { ...read.errors };
    for (const issue of own.success ? [] : own.error.issues)
      (errors[String(issue.path[0])] ??= []).push({ key: `console:${issue.message}` });
    return data({ values, errors } satisfies ExperimentActionData, { status: 400, headers: noStore });
  }
  const started = await startExperiment(context.db, {
    staff: session.user,
    name: own.data.name,
    sharePercent: own.data.sharePercent,
    challenger: read.policy,
  });
  return done(started.status === "started" ? "started" : "alreadyRunning");
}

export default function StaffExperiments() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ExperimentActionData | undefined;
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("experiments.title")}</h1>
      <p className="hint">{t("experiments.intro")}</p>
      {v.notice ? (
        <p className="notice" role="status">
          {t(`experiments.notices.${v.notice}`)}
        </p>
      ) : null}
      {v.running ? (
        <ExperimentCard experiment={v.running} running />
      ) : (
        <StartExperimentForm
          championVersion={v.championVersion}
          values={actionData?.values ?? v.values}
          errors={actionData?.errors ?? {}}
        />
      )}
      <section aria-labelledby="experiments-closed">
        <h2 id="experiments-closed">{t("experiments.closed")}</h2>
        {v.closed.length === 0 ? <p className="hint">{t("experiments.noneClosed")}</p> : null}
        {v.closed.map((e) => (
          <ExperimentCard key={e.id} experiment={e} running={false} />
        ))}
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
