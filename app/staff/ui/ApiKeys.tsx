import { getFormProps, type useForm } from "@conform-to/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { ApiKeyRow } from "../bank-integration.server";
import { StaffErrors, StaffInput } from "./fields";

/** The API keys page's parts: every key with its state and a revoke button, and the form for a new key. */
export interface ApiKeyFields {
  name: string;
  scopes: string[];
  expiresInDays: string;
}

export function ApiKeysTable({ keys }: { keys: ApiKeyRow[] }) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">{t("apiKeys.listTitle")}</h2>
      {keys.length === 0 ? (
        <p className="hint">{t("apiKeys.none")}</p>
      ) : (
        <ScrollTable labelledBy="keys-title">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("apiKeys.name")}</th>
                <th scope="col">{t("apiKeys.prefix")}</th>
                <th scope="col">{t("apiKeys.scopes")}</th>
                <th scope="col">{t("apiKeys.created")}</th>
                <th scope="col">{t("apiKeys.lastUsed")}</th>
                <th scope="col">{t("apiKeys.state")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("apiKeys.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <ApiKeyRowView key={k.id} apiKey={k} />
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </section>
  );
}

function ApiKeyRowView({ apiKey: k }: { apiKey: ApiKeyRow }) {
  const { t } = useTranslation("console");
  return (
    <tr>
      <td className="break">{k.name}</td>
      <td>
        <code>{k.prefix}</code>
      </td>
      <td>{k.scopes.join(", ")}</td>
      <td>
        {k.created}
        {k.createdBy ? <span className="hint"> · {k.createdBy}</span> : null}
      </td>
      <td>{k.lastUsed ?? t("apiKeys.never")}</td>
      <td>
        {t(`apiKeys.states.${k.state}`)}
        {k.revoked ? (
          <span className="hint"> · {k.revoked}</span>
        ) : k.expires ? (
          <span className="hint"> · {t("apiKeys.expires", { when: k.expires })}</span>
        ) : null}
      </td>
      <td>
        {k.state === "revoked" ? null : (
          <Form method="post">
            <input type="hidden" name="intent" value="revoke" />
            <input type="hidden" name="prefix" value={k.prefix} />
            <button
              type="submit"
              className="button secondary small"
              aria-label={t("apiKeys.revokeLabel", { name: k.name, prefix: k.prefix })}
            >
              {t("apiKeys.revoke")}
            </button>
          </Form>
        )}
      </td>
    </tr>
  );
}

export function NewApiKeyForm({
  form: [form, fields],
  scopes,
}: {
  form: ReturnType<typeof useForm<ApiKeyFields>>;
  scopes: string[];
}) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="new-key-title">
      <h2 id="new-key-title">{t("apiKeys.createTitle")}</h2>
      <Form method="post" {...getFormProps(form)} noValidate>
        <input type="hidden" name="intent" value="create" />
        <StaffErrors id={form.errorId} errors={form.errors} />
        <StaffInput
          field={fields.name}
          label={t("apiKeys.name")}
          hint={t("apiKeys.nameHint")}
          autoComplete="off"
        />
        <fieldset
          className={`field ${fields.scopes.errors?.length ? "field-error" : ""}`}
          aria-describedby={fields.scopes.errors?.length ? fields.scopes.errorId : undefined}
        >
          <legend>{t("apiKeys.scopes")}</legend>
          <StaffErrors id={fields.scopes.errorId} errors={fields.scopes.errors} />
          {scopes.map((scope) => (
            <div key={scope} className="checkbox-field">
              <input
                type="checkbox"
                id={`scope-${scope}`}
                name={fields.scopes.name}
                value={scope}
                defaultChecked
              />
              <label htmlFor={`scope-${scope}`}>
                <code>{scope}</code> — {t(`apiKeys.scopeNames.${scope.replace(":", "_")}`)}
              </label>
            </div>
          ))}
        </fieldset>
        <StaffInput
          field={fields.expiresInDays}
          label={t("apiKeys.expiresInDays")}
          hint={t("apiKeys.expiresHint")}
          inputMode="numeric"
        />
        <button type="submit" className="button primary">
          {t("apiKeys.create")}
        </button>
      </Form>
    </section>
  );
}
