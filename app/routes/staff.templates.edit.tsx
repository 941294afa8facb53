import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { MAX_TEMPLATE_LENGTH, slotOf, type TemplateSlot } from "~/domain/sms-template-check";
import { SUPPORTED_LOCALES, type SupportedLocale } from "~/i18n/config";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { loadTemplateEditor, saveSmsTemplate, slotExists } from "~/staff/sms-templates.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { TemplateEditor, type TemplateActionData, type TemplateEditorPage } from "~/staff/ui/TemplateEditor";
import { templateEditorPath } from "~/staff/ui/template-paths";

const ROUTE = "staff.templates.edit";
const noStore = { "Cache-Control": "no-store" };

const slotSchema = z.object({
  stage: z.string().max(64),
  variant: z.string().max(16),
  locale: z.enum(SUPPORTED_LOCALES),
});
function readSlot(input: Record<string, unknown>): { slot: TemplateSlot; locale: SupportedLocale } | null {
  const parsed = slotSchema.safeParse(input);
  if (!parsed.success) return null;
  const slot = slotOf(parsed.data.stage, parsed.data.variant);
  return slot ? { slot, locale: parsed.data.locale } : null;
}

const formSchema = z.object({
  intent: z.enum(["preview", "save"]),
  body: z.string().max(MAX_TEMPLATE_LENGTH * 2),
  baseVersion: z.coerce.number().int().min(0),
});

/** One template in one language: the text in use, live size and preview, and its versions. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const url = new URL(request.url);
  const target = readSlot(Object.fromEntries(url.searchParams));
  if (!target) throw redirect("/staff/templates", { status: 303, headers: noStore });
  const view = await loadTemplateEditor(
    context.db,
    target.slot,
    target.locale,
    await displayContext(request),
  );
  if (!view) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  const saved = url.searchParams.get("saved");
  const notice: TemplateEditorPage["notice"] = saved
    ? "saved"
    : url.searchParams.has("unchanged")
      ? "unchanged"
      : url.searchParams.has("added")
        ? "added"
        : null;
  return data({ ...view, slot: target.slot, locale: target.locale, notice }, { headers: noStore });
}

/** preview (re-renders the page with the typed text, for browsers without JavaScript) | save (a new active version). */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const form = Object.fromEntries(await request.formData());
  assertRole(session, actionRoles(ROUTE, String(form.intent ?? "")));
  const target = readSlot(form);
  const parsed = formSchema.safeParse(form);
  if (!target || !parsed.success)
    return data({ error: "console:templates.errors.invalidRequest" }, { status: 400, headers: noStore });
  const { intent, body, baseVersion } = parsed.data;
  const { slot, locale } = target;
  if (intent === "preview") {
    if (!(await slotExists(context.db, slot)))
      throw data({ reason: "not_found" }, { status: 404, headers: noStore });
    return data({ intent, body } satisfies TemplateActionData, { headers: noStore });
  }
  const result = await saveSmsTemplate(context.db, { staff: session.user, slot, locale, body, baseVersion });
  switch (result.status) {
    case "invalid":
      return data({ intent, body, problems: result.problems } satisfies TemplateActionData, {
        status: 400,
        headers: noStore,
      });
    case "conflict":
      return data({ intent, body, conflictVersion: result.currentVersion } satisfies TemplateActionData, {
        status: 409,
        headers: noStore,
      });
    case "not_found":
      throw data({ reason: "not_found" }, { status: 404, headers: noStore });
    case "unchanged":
      return redirect(`${templateEditorPath({ ...slot, locale })}&unchanged=1`, {
        status: 303,
        headers: noStore,
      });
    case "saved":
      return redirect(`${templateEditorPath({ ...slot, locale })}&saved=${result.version}`, {
        status: 303,
        headers: noStore,
      });
  }
}

export default function StaffTemplateEditor() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as (TemplateActionData | { error: string }) | undefined;
  const posted = actionData && "body" in actionData ? actionData : undefined;
  const slotKey = `${v.slot.stage}.${v.slot.variant}.${v.locale}.${v.version}`;
  return (
    <TemplateEditor
      key={`${slotKey}:${posted ? "posted" : "loaded"}`}
      v={v}
      posted={posted}
      error={actionData && "error" in actionData ? actionData.error : null}
    />
  );
}

export { StaffErrorBoundary as ErrorBoundary };
