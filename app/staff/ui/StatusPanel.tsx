import { getFormProps, useForm } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ACCOUNT_STATUS_KINDS } from "../../domain/account-statuses";
import type { BorrowerWorkspace } from "../borrower-workspace.server";
import { STATUS_REASON_MAX } from "../borrower-forms";
import { FormProblem, replyFor, type BorrowerActionReply } from "./BorrowerActions";
import { StaffSelect, StaffTextArea } from "./fields";

type Props = { page: BorrowerWorkspace; reply?: BorrowerActionReply };

/**
 * The borrower's statuses (docs/product-rules.md §4.18): the guidance for a vulnerable borrower, every
 * status with its history, and the forms to set one and to end one in force (with a reason, audited).
 */
export function StatusPanel({ page, reply }: Props) {
  const { t } = useTranslation("statuses");
  const vulnerable = page.statuses.some((s) => s.kind === "vulnerable" && s.inForce);
  return (
    <section className="card" aria-labelledby="statuses-title">
      <h2 id="statuses-title">{t("staff.title")}</h2>
      {vulnerable ? (
        <p className="notice" role="note">
          {t("staff.guidance")}
        </p>
      ) : null}
      {page.statuses.length === 0 ? <p className="hint">{t("staff.none")}</p> : null}
      <ul className="task-list">
        {page.statuses.map((s) => (
          <li key={s.id}>
            <p>
              <strong>{t(`staff.kinds.${s.kind}`)}</strong>
              {" · "}
              {s.accountLast4 ? s.accountLast4 : t("staff.allAccounts")}
              {" · "}
              {t("staff.since", { when: s.since })}
              {s.until ? ` · ${t("staff.until", { when: s.until })}` : ""}
              {s.inForce ? <span className="tag">{t("staff.inForce")}</span> : null}
            </p>
            <p className="hint free-text">
              {t("staff.setBy", {
                who: s.setBy,
                source: s.source,
                reason: s.reason,
                interpolation: { escapeValue: false },
              })}
            </p>
            {s.ended ? (
              <p className="hint free-text">
                {t("staff.ended", {
                  when: s.ended.at,
                  who: s.ended.by,
                  reason: s.ended.reason,
                  interpolation: { escapeValue: false },
                })}
              </p>
            ) : null}
            {s.inForce && page.can.statuses ? <EndStatusForm statusId={s.id} reply={reply} /> : null}
          </li>
        ))}
      </ul>
      {page.can.statuses ? <SetStatusForm page={page} reply={reply} /> : null}
    </section>
  );
}

function SetStatusForm({ page, reply }: Props) {
  const { t } = useTranslation("statuses");
  const { t: st } = useTranslation("staff");
  const [form, fields] = useForm<{
    kind: string;
    accountId: string;
    reason: string;
    validationNotice: string;
  }>({
    id: "status-form",
    lastResult: replyFor(reply, "set_status"),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="set_status" />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffSelect
        field={fields.kind}
        label={t("staff.kind")}
        placeholder={st("actions.choose")}
        options={ACCOUNT_STATUS_KINDS.map((k) => ({ value: k, label: t(`staff.kinds.${k}`) }))}
      />
      <StaffSelect
        field={fields.accountId}
        label={t("staff.account")}
        placeholder={t("staff.allAccounts")}
        options={page.accounts.map((a) => ({
          value: a.id,
          label: `${st(`products.${a.product}`)} · ${st("common.accountEnding", { last4: a.last4 })}`,
        }))}
      />
      <StaffTextArea field={fields.reason} label={t("staff.reason")} rows={2} maxLength={STATUS_REASON_MAX} />
      <StaffSelect
        field={fields.validationNotice}
        label={t("staff.notice")}
        placeholder={t("staff.noticeChannels.none")}
        options={(["letter", "email"] as const).map((c) => ({
          value: c,
          label: t(`staff.noticeChannels.${c}`),
        }))}
      />
      <button type="submit" className="button primary">
        {t("staff.set")}
      </button>
    </Form>
  );
}

function EndStatusForm({ statusId, reply }: { statusId: string; reply?: BorrowerActionReply }) {
  const { t } = useTranslation("statuses");
  const [form, fields] = useForm<{ reason: string }>({
    id: `status-${statusId}`,
    lastResult: replyFor(reply, "end_status", statusId),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate className="inline-form">
      <input type="hidden" name="intent" value="end_status" />
      <input type="hidden" name="statusId" value={statusId} />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffTextArea
        field={fields.reason}
        label={t("staff.endReason")}
        rows={2}
        maxLength={STATUS_REASON_MAX}
      />
      <button type="submit" className="button secondary">
        {t("staff.end")}
      </button>
    </Form>
  );
}
