import { Form, Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import { REMINDER_STAGES } from "../../domain/sms-templates";
import type { TemplateGroup } from "../sms-templates.server";
import { templateEditorPath } from "./template-paths";

/** The template list's parts: one card per stage or kind, a row per variant and language, and the A/B form. */
export function TemplateGroupCard({ group: g }: { group: TemplateGroup }) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby={`tpl-${g.stage}`}>
      <h2 id={`tpl-${g.stage}`}>
        {g.kind === "reminder"
          ? t("templates.reminderTitle", { stage: t(`templates.stages.${g.stage}`) })
          : t(`templates.kinds.${g.stage}`)}
      </h2>
      <ScrollTable labelledBy={`tpl-${g.stage}`}>
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
                <TemplateRow
                  key={`${v.variant}-${e.locale}`}
                  group={g}
                  variant={v}
                  entry={e}
                  first={i === 0}
                />
              )),
            )}
          </tbody>
        </table>
      </ScrollTable>
    </section>
  );
}

type Variant = TemplateGroup["variants"][number];

/** One template in one language; a reminder's first language also heads its variant's rows. */
function TemplateRow({
  group: g,
  variant: v,
  entry: e,
  first,
}: {
  group: TemplateGroup;
  variant: Variant;
  entry: Variant["entries"][number];
  first: boolean;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const name =
    g.kind === "reminder"
      ? t("templates.reminderName", { stage: t(`templates.stages.${g.stage}`), variant: e.variant })
      : t(`templates.kinds.${g.stage}`);
  return (
    <tr>
      {g.kind === "reminder" && first ? (
        <th scope="row" rowSpan={v.entries.length}>
          {v.variant}
          {v.added ? <span className="hint"> {t("templates.added")}</span> : null}
        </th>
      ) : null}
      <td>{ts(`languages.${e.locale}`)}</td>
      <td>{e.version === 0 ? t("templates.default") : t("templates.versionN", { version: e.version })}</td>
      <td className={e.ok ? undefined : "text-danger"}>
        {e.segments === null
          ? t("templates.unrenderable")
          : t("templates.parts", { parts: e.segments, encoding: e.encoding })}
        {e.ok ? null : <span> · {t("templates.hasProblems")}</span>}
      </td>
      <td>
        <Link
          to={templateEditorPath({ stage: e.stage, variant: e.variant, locale: e.locale })}
          aria-label={t("templates.editLabel", { name, language: ts(`languages.${e.locale}`) })}
        >
          {t("templates.edit")}
        </Link>
        <p className="hint template-snippet" lang={e.locale}>
          {e.body}
        </p>
      </td>
    </tr>
  );
}

/** Adds an A/B variant to a reminder stage; `error` is the last attempt's translation key. */
export function AddVariantForm({ error }: { error?: string }) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="add-variant">
      <h2 id="add-variant">{t("templates.addVariantTitle")}</h2>
      <p className="hint">{t("templates.addVariantHint")}</p>
      {error ? (
        <p className="notice notice-error" role="alert" id="add-variant-error">
          {t(error)}
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
            aria-describedby={error ? "variant-name-hint add-variant-error" : "variant-name-hint"}
          />
        </div>
        <button type="submit" className="button secondary">
          {t("templates.addVariant")}
        </button>
      </Form>
    </section>
  );
}
