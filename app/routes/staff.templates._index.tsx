import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { VARIANT_PATTERN } from "~/domain/sms-template-check";
import { REMINDER_STAGES } from "~/domain/sms-templates";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { addReminderVariant, listTemplates } from "~/staff/sms-templates.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { AddVariantForm, TemplateGroupCard } from "~/staff/ui/TemplateList";
import { templateEditorPath } from "~/staff/ui/template-paths";

const ROUTE = "staff.templates._index";
const noStore = { "Cache-Control": "no-store" };
const addVariantSchema = z.object({
  intent: z.literal("add_variant"),
  stage: z.enum(REMINDER_STAGES, { errorMap: () => ({ message: "console:templates.errors.stage" }) }),
  variant: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.string().regex(VARIANT_PATTERN, "console:templates.errors.variantName")),
});

/** Every SMS template in every language, with the version in use and its worst-case size. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  return data({ groups: await listTemplates(context.db) }, { headers: noStore });
}

/** Adds an A/B variant to a reminder stage (all languages, starting as a copy of the stage's first variant). */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const form = Object.fromEntries(await request.formData());
  assertRole(session, actionRoles(ROUTE, String(form.intent ?? "")));
  const parsed = addVariantSchema.safeParse(form);
  if (!parsed.success)
    return data(
      { error: parsed.error.issues[0]?.message ?? "console:templates.errors.variantName" },
      { status: 400, headers: noStore },
    );
  const { stage, variant } = parsed.data;
  const result = await addReminderVariant(context.db, { staff: session.user, stage, variant });
  if (result.status === "exists")
    return data({ error: "console:templates.errors.variantExists" }, { status: 409, headers: noStore });
  if (result.status === "too_many")
    return data({ error: "console:templates.errors.tooManyVariants" }, { status: 409, headers: noStore });
  if (result.status === "invalid")
    return data({ error: "console:templates.errors.variantName" }, { status: 400, headers: noStore });
  return redirect(`${templateEditorPath({ stage, variant, locale: "en" })}&added=1`, {
    status: 303,
    headers: noStore,
  });
}

export default function StaffTemplates() {
  const { groups } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("templates.title")}</h1>
      <p className="hint">{t("templates.intro")}</p>

      {groups.map((g) => (
        <TemplateGroupCard key={g.stage} group={g} />
      ))}

      <AddVariantForm error={actionData && "error" in actionData ? actionData.error : undefined} />
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
