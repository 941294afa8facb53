import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { VARIANT_PATTERN } from "~/domain/sms-template-check";
import { REMINDER_STAGES } from "~/domain/sms-templates";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { addReminderVariant, listTemplates } from "~/staff/sms-templates.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
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
  const { t: ts } = useTranslation("staff");
  return (
    <>
      <h1>{t("templates.title")}</h1>
      <p className="hint">{t("templates.intro")}</p>

      {groups.map((g) => (
        <section key={g.stage} className="card" aria-labelledby={`tpl-${g.stage}`}>
          <h2 id={`tpl-${g.stage}`}>
            {g.kind === "reminder"
              ? t("templates.reminderTitle", { stage: t(`templates.stages.${g.stage}`) })
              : t(`templates.kinds.${g.stage}`)}
          </h2>
          <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`tpl-${g.stage}`}>
            <table className="staff-table">
              <thead>
                <tr>
                  {g.kind === "reminder" ? <th scope="col">{t("templates.variant")}</th> : null}
                  <th scope="col">{t("templates.language")}</th>
                  <th scope="col">{t("templates.inUse")}</th>
                  <th scope="col">{t("templates.size")}</th>
                  <th scope="col">{t("templates.text")}</th>
                </tr>
              </thead>
              <tbody>
                {g.variants.flatMap((v) =>
                  v.entries.map((e, i) => (
                    <tr key={`${v.variant}-${e.locale}`}>
                      {g.kind === "reminder" && i === 0 ? (
                        <th scope="row" rowSpan={v.entries.length}>
                          {v.variant}
                          {v.added ? <span className="hint"> {t("templates.added")}</span> : null}
                        </th>
                      ) : null}
                      <td>{ts(`languages.${e.locale}`)}</td>
                      <td>
                        {e.version === 0
                          ? t("templates.default")
                          : t("templates.versionN", { version: e.version })}
                      </td>
                      <td className={e.ok ? undefined : "text-danger"}>
                        {e.segments === null
                          ? t("templates.unrenderable")
                          : t("templates.parts", { parts: e.segments, encoding: e.encoding })}
                        {e.ok ? null : <span> · {t("templates.hasProblems")}</span>}
                      </td>
                      <td>
                        <Link
                          to={templateEditorPath({ stage: e.stage, variant: e.variant, locale: e.locale })}
                          aria-label={t("templates.editLabel", {
                            name:
                              g.kind === "reminder"
                                ? t("templates.reminderName", {
                                    stage: t(`templates.stages.${g.stage}`),
                                    variant: e.variant,
                                  })
                                : t(`templates.kinds.${g.stage}`),
                            language: ts(`languages.${e.locale}`),
                          })}
                        >
                          {t("templates.edit")}
                        </Link>
                        <p className="hint template-snippet" lang={e.locale}>
                          {e.body}
                        </p>
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </section>
      ))}

      <section className="card" aria-labelledby="add-variant">
        <h2 id="add-variant">{t("templates.addVariantTitle")}</h2>
        <p className="hint">{t("templates.addVariantHint")}</p>
        {actionData && "error" in actionData ? (
          <p className="notice notice-error" role="alert" id="add-variant-error">
            {t(actionData.error)}
          </p>
        ) : null}
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="add_variant" />
          <div className="field">
            <label htmlFor="variant-stage">{t("templates.stage")}</label>
            <select id="variant-stage" name="stage">
              {REMINDER_STAGES.map((s) => (
                <option key={s} value={s}>
                  {t(`templates.stages.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="variant-name">{t("templates.variantName")}</label>
            <p className="hint" id="variant-name-hint">
              {t("templates.variantNameHint")}
            </p>
            <input
              id="variant-name"
              name="variant"
              type="text"
              maxLength={8}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={
                actionData && "error" in actionData
                  ? "variant-name-hint add-variant-error"
                  : "variant-name-hint"
              }
            />
          </div>
          <button type="submit" className="button secondary">
            {t("templates.addVariant")}
          </button>
        </Form>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
