import { getFormProps, useForm, type FieldMetadata } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  CONTACT_CHANNELS,
  MAX_PER_WEEK,
  PREFERENCE_LOCALES,
  windowTimeOptions,
} from "../../borrower/action-forms";
import { PLAN_COUNT_MAX, PLAN_COUNT_MIN, PLAN_FREQUENCIES } from "../../domain/plan-terms";
import type { ActingFacts } from "../acting-facts.server";
import type { BorrowerWorkspace } from "../borrower-workspace.server";
import { NOTE_MAX } from "../borrower-forms";
import { FormProblem, replyFor, type BorrowerActionReply } from "./BorrowerActions";
import { StaffErrors, StaffInput, StaffSelect, StaffTextArea } from "./fields";

/**
 * What an agent does for the borrower on a call: the portal's actions, as plain forms that post to the
 * borrower page (docs/product-rules.md §8.11). The server checks every value with the portal's rules.
 */
type Props = { page: BorrowerWorkspace; acting: ActingFacts; reply?: BorrowerActionReply };
type Field = FieldMetadata<string | undefined>;

export function ActForBorrower(props: Props) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="act-title">
      <h2 id="act-title">{t("act.title")}</h2>
      <p className="hint">{t("act.intro")}</p>
      <PromiseForm {...props} />
      <PlanForm {...props} />
      <CallbackForm {...props} />
      <LinkForms {...props} />
      <PreferencesForm {...props} />
      <OptOutForm {...props} />
    </section>
  );
}

/** One action's form: its heading, the intent, the account it is about, and the fields. */
function ActionForm(props: {
  intent: string;
  title: string;
  hint?: string;
  submit: string;
  page: BorrowerWorkspace;
  reply?: BorrowerActionReply;
  defaultAccount?: string | null;
  defaults?: Record<string, string>;
  fields?: (f: (name: string) => Field) => ReactNode;
}) {
  const { t } = useTranslation("staff");
  const { intent, page } = props;
  const [form, fields] = useForm<Record<string, string>>({
    id: `${intent}-form`,
    lastResult: replyFor(props.reply, intent),
    shouldValidate: "onSubmit",
    defaultValue: { accountId: props.defaultAccount ?? page.accounts[0]?.id ?? "", ...props.defaults },
  });
  const field = (name: string) => fields[name] as Field;
  return (
    <div className="act-form">
      <h3 id={`${intent.replace(/_/g, "-")}-title`}>{props.title}</h3>
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <Form method="post" {...getFormProps(form)} noValidate>
        <input type="hidden" name="intent" value={intent} />
        <FormProblem id={form.errorId} errors={form.errors} />
        <StaffSelect
          field={field("accountId")}
          label={t("act.account")}
          options={page.accounts.map((a) => ({
            value: a.id,
            label: `${t(`products.${a.product}`)} · ${t("common.accountEnding", { last4: a.last4 })}`,
          }))}
        />
        {props.fields?.(field)}
        <button type="submit" className="button primary">
          {props.submit}
        </button>
      </Form>
    </div>
  );
}

function PromiseForm({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  return (
    <ActionForm
      intent="make_promise"
      title={t("act.promiseTitle")}
      hint={t("act.promiseHint")}
      submit={t("act.recordPromise")}
      page={page}
      reply={reply}
      defaultAccount={page.promiseFor}
      fields={(f) => (
        <>
          <StaffInput field={f("amount")} label={t("act.amount")} autoComplete="off" />
          <StaffSelect
            field={f("promisedDate")}
            label={t("act.promiseDate")}
            placeholder={t("actions.choose")}
            options={acting.promiseDates}
          />
        </>
      )}
    />
  );
}

function PlanForm({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  const counts = Array.from({ length: PLAN_COUNT_MAX - PLAN_COUNT_MIN + 1 }, (_, i) =>
    String(PLAN_COUNT_MIN + i),
  );
  return (
    <ActionForm
      intent="propose_plan"
      title={t("act.planTitle")}
      hint={t("act.planHint", { min: acting.planFirstDates.min, max: acting.planFirstDates.max })}
      submit={t("act.proposePlan")}
      page={page}
      reply={reply}
      fields={(f) => (
        <>
          <StaffSelect
            field={f("count")}
            label={t("act.count")}
            placeholder={t("actions.choose")}
            options={counts.map((c) => ({ value: c, label: c }))}
          />
          <StaffSelect
            field={f("frequency")}
            label={t("act.frequency")}
            placeholder={t("actions.choose")}
            options={PLAN_FREQUENCIES.map((v) => ({ value: v, label: t(`frequency.${v}`) }))}
          />
          <StaffInput field={f("firstDueDate")} label={t("act.firstDueDate")} type="date" />
        </>
      )}
    />
  );
}

function CallbackForm({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  return (
    <ActionForm
      intent="book_callback"
      title={t("act.callbackTitle")}
      submit={t("act.bookCallback")}
      page={page}
      reply={reply}
      fields={(f) => (
        <>
          <StaffSelect
            field={f("slot")}
            label={t("act.slot", { zone: page.borrower.timeZone })}
            placeholder={t("actions.choose")}
            options={acting.callbackSlots}
          />
          <StaffTextArea field={f("note")} label={t("act.callbackNote")} rows={2} maxLength={NOTE_MAX} />
        </>
      )}
    />
  );
}

function LinkForms({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  if (acting.smsRefused) return <p className="hint">{t("act.noTexts")}</p>;
  return (
    <>
      <ActionForm
        intent="send_link"
        title={t("act.linkTitle")}
        hint={t("act.linkHint")}
        submit={t("act.sendLink")}
        page={page}
        reply={reply}
      />
      <ActionForm
        intent="send_payment_link"
        title={t("act.paymentLinkTitle")}
        hint={t("act.paymentLinkHint")}
        submit={t("act.sendPaymentLink")}
        page={page}
        reply={reply}
        fields={(f) => <StaffInput field={f("amount")} label={t("act.amount")} autoComplete="off" />}
      />
    </>
  );
}

function PreferencesForm({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  const p = acting.preferences;
  const times = windowTimeOptions().map((v) => ({ value: v, label: v }));
  const perWeek = Array.from({ length: MAX_PER_WEEK }, (_, i) => String(i + 1));
  return (
    <ActionForm
      intent="update_preferences"
      title={t("act.preferencesTitle")}
      submit={t("act.savePreferences")}
      page={page}
      reply={reply}
      defaults={{
        windowStart: p.windowStart,
        windowEnd: p.windowEnd,
        language: p.language,
        maxPerWeek: p.maxPerWeek,
      }}
      fields={(f) => (
        <>
          <Channels field={f("channels")} checked={p.channels} />
          <StaffSelect
            field={f("windowStart")}
            label={t("act.windowStart")}
            placeholder={t("act.noPreference")}
            options={times}
          />
          <StaffSelect
            field={f("windowEnd")}
            label={t("act.windowEnd")}
            placeholder={t("act.noPreference")}
            options={times}
          />
          <StaffSelect
            field={f("language")}
            label={t("act.language")}
            options={PREFERENCE_LOCALES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
          />
          <StaffSelect
            field={f("maxPerWeek")}
            label={t("act.maxPerWeek")}
            placeholder={t("act.noPreference")}
            options={perWeek.map((n) => ({ value: n, label: n }))}
          />
        </>
      )}
    />
  );
}

/** The channels the borrower allows, as checkboxes; the saved choice is ticked until the form posts. */
function Channels({ field, checked }: { field: Field; checked: string[] }) {
  const { t } = useTranslation("staff");
  return (
    <fieldset className="field" aria-describedby={field.errors?.length ? field.errorId : undefined}>
      <legend>{t("act.channels")}</legend>
      <StaffErrors id={field.errorId} errors={field.errors} />
      {CONTACT_CHANNELS.map((c) => (
        <div className="checkbox" key={c}>
          <input
            type="checkbox"
            id={`${field.id}-${c}`}
            name={field.name}
            value={c}
            defaultChecked={checked.includes(c)}
          />
          <label htmlFor={`${field.id}-${c}`}>{t(`act.channel.${c}`)}</label>
        </div>
      ))}
    </fieldset>
  );
}

function OptOutForm({ page, acting, reply }: Props) {
  const { t } = useTranslation("staff");
  if (acting.smsRefused) return null;
  return (
    <ActionForm
      intent="record_opt_out"
      title={t("act.optOutTitle")}
      hint={t("act.optOutHint")}
      submit={t("act.recordOptOut")}
      page={page}
      reply={reply}
    />
  );
}
