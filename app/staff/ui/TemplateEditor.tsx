import { Form, Link } from "@remix-run/react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  checkSmsTemplate,
  MAX_TEMPLATE_SEGMENTS,
  type TemplateProblem,
  type TemplateSlot,
} from "../../domain/sms-template-check";
import { SUPPORTED_LOCALES, type SupportedLocale } from "../../i18n/config";
import type { TemplateEditorView } from "../sms-templates.server";
import { templateEditorPath } from "./template-paths";

/**
 * The template editor: the text with its size and problems checked live (the same check the server runs on
 * save, and on the server for the first render), a preview, the shipped default, and the versions.
 */
export interface TemplateEditorPage extends TemplateEditorView {
  slot: TemplateSlot;
  locale: SupportedLocale;
  notice: "saved" | "unchanged" | "added" | null;
}

/** What the editor's action answers for a preview or a save it refused. */
export interface TemplateActionData {
  intent: "preview" | "save";
  body: string;
  /** Save refused: the problems (the same rules the page checks live), or a newer version exists. */
  problems?: TemplateProblem[];
  conflictVersion?: number;
}

type Check = ReturnType<typeof checkSmsTemplate>;

export function TemplateEditor({
  v,
  posted,
  error,
}: {
  v: TemplateEditorPage;
  posted?: TemplateActionData;
  error: string | null;
}) {
  const [body, setBody] = useState(posted?.body ?? v.body);
  const check = useMemo(
    () => checkSmsTemplate({ body, locale: v.locale, slot: v.slot }),
    [body, v.locale, v.slot],
  );
  return (
    <>
      <EditorHeader v={v} posted={posted} error={error} />
      <div className="staff-columns">
        <TemplateBodyForm v={v} body={body} onChange={setBody} check={check} />
        <TemplatePreviewPanel v={v} check={check} />
      </div>
    </>
  );
}

/** The way back, the heading, what happened last, the version in use, and the other languages. */
function EditorHeader({
  v,
  posted,
  error,
}: {
  v: TemplateEditorPage;
  posted?: TemplateActionData;
  error: string | null;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
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
    </>
  );
}

function TemplateBodyForm({
  v,
  body,
  onChange,
  check,
}: {
  v: TemplateEditorPage;
  body: string;
  onChange: (body: string) => void;
  check: Check;
}) {
  const { t } = useTranslation("console");
  return (
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
          onChange={(e) => onChange(e.target.value)}
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
  );
}

/** The text as a borrower would read it, the shipped default, and every saved version. */
function TemplatePreviewPanel({ v, check }: { v: TemplateEditorPage; check: Check }) {
  const { t } = useTranslation("console");
  return (
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
  );
}
