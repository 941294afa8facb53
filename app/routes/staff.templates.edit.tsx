import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import {
  checkSmsTemplate,
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATE_SEGMENTS,
  slotOf,
  type TemplateProblem,
  type TemplateSlot,
} from "~/domain/sms-template-check";
import { SUPPORTED_LOCALES, type SupportedLocale } from "~/i18n/config";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { loadTemplateEditor, saveSmsTemplate, slotExists } from "~/staff/sms-templates.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
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

export interface TemplateActionData {
  intent: "preview" | "save";
  body: string;
  /** Save refused: the problems (the same rules the page checks live), or a newer version exists. */
  problems?: TemplateProblem[];
  conflictVersion?: number;
}

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
  const notice = saved
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
    <Editor
      key={`${slotKey}:${posted ? "posted" : "loaded"}`}
      v={v}
      posted={posted}
      error={actionData && "error" in actionData ? actionData.error : null}
    />
  );
}

function Editor({
  v,
  posted,
  error,
}: {
  v: ReturnType<typeof useLoaderData<typeof loader>>;
  posted?: TemplateActionData;
  error: string | null;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const [body, setBody] = useState(posted?.body ?? v.body);
  // The same check the server runs on save, live as the text changes (and on the server for the first render).
  const check = useMemo(
    () => checkSmsTemplate({ body, locale: v.locale, slot: v.slot }),
    [body, v.locale, v.slot],
  );
  const name =
    v.slot.kind === "reminder"
      ? t("templates.reminderName", { stage: t(`templates.stages.${v.slot.stage}`), variant: v.slot.variant })
      : t(`templates.kinds.${v.slot.stage}`);
  const refused =
    posted?.intent === "save" && (posted.problems?.length || posted.conflictVersion !== undefined);
  return (
    <>
      <p>
        <Link to="/staff/templates">{t("templates.back")}</Link>
      </p>
      <h1>{t("templates.editTitle", { name, language: ts(`languages.${v.locale}`) })}</h1>
      {v.notice ? (
        <p className="notice" role="status">
          {t(`templates.notice.${v.notice}`, { version: v.version })}
        </p>
      ) : null}
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {refused ? (
        <p className="notice notice-error" role="alert">
          {posted.conflictVersion !== undefined
            ? t("templates.conflict", { version: posted.conflictVersion })
            : t("templates.notSaved")}
        </p>
      ) : null}
      <p>
        {v.version === 0
          ? t("templates.usingDefault")
          : t("templates.current", { version: v.version, when: v.savedAt, name: v.savedBy ?? "—" })}
      </p>
      <nav aria-label={t("templates.otherLanguages")} className="button-row">
        {SUPPORTED_LOCALES.filter((l) => l !== v.locale).map((l) => (
          <Link key={l} to={templateEditorPath({ stage: v.slot.stage, variant: v.slot.variant, locale: l })}>
            {ts(`languages.${l}`)}
          </Link>
        ))}
      </nav>

      <div className="staff-columns">
        <Form method="post" className="card template-form" noValidate>
          <input type="hidden" name="stage" value={v.slot.stage} />
          <input type="hidden" name="variant" value={v.slot.variant} />
          <input type="hidden" name="locale" value={v.locale} />
          <input type="hidden" name="baseVersion" value={v.version} />
          <div className={`field ${check.ok ? "" : "field-error"}`}>
            <label htmlFor="template-body">{t("templates.bodyLabel")}</label>
            <p className="hint" id="template-body-hint">
              {t("templates.bodyHint", { placeholders: v.placeholders.map((p) => `{{${p}}}`).join(" ") })}
            </p>
            <textarea
              id="template-body"
              name="body"
              lang={v.locale}
              rows={8}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              aria-invalid={!check.ok || undefined}
              aria-describedby={`template-body-hint template-size${check.ok ? "" : " template-problems"}`}
              spellCheck={false}
            />
          </div>
          <p id="template-size" className="template-size" aria-live="polite">
            {check.worstCase
              ? t("templates.liveSize", {
                  parts: check.worstCase.segments,
                  encoding: check.worstCase.encoding,
                  characters: check.worstCase.characters,
                  max: MAX_TEMPLATE_SEGMENTS,
                })
              : t("templates.unrenderable")}
          </p>
          {check.ok ? (
            <p className="hint">{t("templates.allGood")}</p>
          ) : (
            <ul id="template-problems" className="error-message error-list">
              {check.problems.map((p, i) => (
                <li key={i}>{t(`templates.problems.${p.code}`, p)}</li>
              ))}
            </ul>
          )}
          <div className="button-row">
            <button type="submit" name="intent" value="save" className="button primary">
              {t("templates.save")}
            </button>
            <button type="submit" name="intent" value="preview" className="button secondary">
              {t("templates.preview")}
            </button>
          </div>
        </Form>

        <aside className="staff-side" aria-label={t("templates.previewPanel")}>
          <section className="card" aria-labelledby="template-preview-title">
            <h2 id="template-preview-title">{t("templates.previewTitle")}</h2>
            <p className="hint">{t("templates.previewHint")}</p>
            {check.preview ? (
              <p className="sms-preview" lang={v.locale}>
                {check.preview}
              </p>
            ) : (
              <p className="hint">{t("templates.unrenderable")}</p>
            )}
          </section>
          {v.defaultBody !== null ? (
            <details className="card">
              <summary>{t("templates.defaultText")}</summary>
              <p className="template-snippet" lang={v.locale}>
                {v.defaultBody}
              </p>
            </details>
          ) : null}
          <section className="card" aria-labelledby="template-history">
            <h2 id="template-history">{t("templates.history")}</h2>
            {v.history.length === 0 ? (
              <p className="hint">{t("templates.noHistory")}</p>
            ) : (
              <ol className="task-list" reversed>
                {v.history.map((h) => (
                  <li key={h.version}>
                    <p>
                      <strong>{t("templates.versionN", { version: h.version })}</strong> · {h.savedAt} ·{" "}
                      {h.savedBy ?? "—"}
                      {h.active ? ` · ${t("templates.inUseNow")}` : ""}
                    </p>
                    <p className="template-snippet" lang={v.locale}>
                      {h.body}
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </aside>
      </div>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
