import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { applyBorrowerAction } from "~/staff/borrower-actions.server";
import { borrowerActionSchema } from "~/staff/borrower-forms";
import { viewBorrowerPage } from "~/staff/borrower-page.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles, mayDo } from "~/staff/permissions";
import {
  CallForm,
  FlagForm,
  NoteForm,
  ResolveTaskForm,
  type BorrowerActionReply,
} from "~/staff/ui/BorrowerActions";
import { ContactDecisions } from "~/staff/ui/ContactDecisions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { Timeline } from "~/staff/ui/Timeline";

const ROUTE = "staff.borrowers.$borrowerId";
const noStore = { "Cache-Control": "no-store" };
const borrowerIdParam = z.string().uuid();

function borrowerIdFrom(params: LoaderFunctionArgs["params"]): string {
  const parsed = borrowerIdParam.safeParse(params.borrowerId);
  if (!parsed.success) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  return parsed.data;
}

/** The borrower page. Every view is audited (staff.viewed_borrower). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const borrowerId = borrowerIdFrom(params);
  const view = await viewBorrowerPage(context.db, {
    borrowerId,
    staff: user,
    ...(await displayContext(request)),
  });
  if (!view) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  const done = new URL(request.url).searchParams.get("done");
  const can = {
    note: mayDo(user.role, ROUTE, "add_note"),
    call: mayDo(user.role, ROUTE, "log_call"),
    resolveTask: mayDo(user.role, ROUTE, "resolve_task"),
    flags: mayDo(user.role, ROUTE, "set_wrong_number") && mayDo(user.role, ROUTE, "set_dispute"),
  };
  return data(
    { ...view, can, done: done && /^[a-z_]{1,30}$/.test(done) ? done : null },
    { headers: noStore },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const borrowerId = borrowerIdFrom(params);
  const formData = await request.formData();
  const intent = formData.get("intent");
  const target = (formData.get("taskId") ?? formData.get("accountId") ?? null) as string | null;
  const reply = (result: BorrowerActionReply["result"], status: number) =>
    data(
      {
        intent: typeof intent === "string" ? intent : null,
        target: intent === "log_call" ? null : target,
        result,
      } satisfies BorrowerActionReply,
      { status, headers: noStore },
    );

  // The role check comes first: a role that may not do this learns nothing from validation errors.
  if (typeof intent === "string" && actionRoles(ROUTE, intent).length)
    assertRole(session, actionRoles(ROUTE, intent));
  const submission = parseWithZod(formData, { schema: borrowerActionSchema });
  if (submission.status !== "success") return reply(submission.reply(), 400);

  const outcome = await applyBorrowerAction(context.db, {
    staff: session.user,
    borrowerId,
    action: submission.value,
  });
  if (outcome.status === "not_found")
    return reply(submission.reply({ formErrors: ["errors.notFound"] }), 404);
  return redirect(`/staff/borrowers/${borrowerId}?done=${submission.value.intent}`, {
    status: 303,
    headers: noStore,
  });
}

export default function StaffBorrowerPage() {
  const v = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as BorrowerActionReply | undefined;
  const { t } = useTranslation("staff");
  const b = v.borrower;
  return (
    <>
      <h1>{b.fullName}</h1>
      {v.done ? (
        <p className="notice" role="status">
          {t(`actions.done.${v.done}`, { defaultValue: t("actions.done.default") })}
        </p>
      ) : null}
      <div className="staff-columns">
        <div className="staff-main">
          <section className="card" aria-labelledby="borrower-details">
            <h2 id="borrower-details">{t("borrower.details")}</h2>
            <dl className="summary">
              <Row label={t("borrower.reference")} value={b.externalRef} />
              <Row label={t("borrower.phone")} value={b.phone} />
              <Row label={t("borrower.email")} value={b.email ?? "—"} />
              <Row
                label={t("borrower.language")}
                value={t(`languages.${b.locale}`, { defaultValue: b.locale })}
              />
              <Row label={t("borrower.timeZone")} value={`${b.timeZone} (${b.jurisdiction})`} />
            </dl>
          </section>

          <section className="card" aria-labelledby="accounts-title">
            <h2 id="accounts-title">{t("borrower.accounts")}</h2>
            {v.accounts.map((a) => (
              <article key={a.id} className="account-card" aria-labelledby={`account-${a.id}`}>
                <h3 id={`account-${a.id}`}>
                  {t(`products.${a.product}`)} · {t("common.accountEnding", { last4: a.last4 })} ·{" "}
                  <code>{a.externalRef}</code>
                </h3>
                <dl className="summary">
                  <Row
                    label={t("borrower.status")}
                    value={`${t(`accountStatus.${a.status}`)} · ${t("borrower.dpd", { count: a.dpd })}`}
                  />
                  <Row label={t("borrower.overdue")} value={a.overdue} />
                  <Row label={t("borrower.minimumDue")} value={a.minimumDue} />
                  <Row label={t("borrower.balance")} value={a.balance} />
                  <Row label={t("borrower.feesAndInterest")} value={a.feesAndInterest} />
                  <Row label={t("borrower.dueDate")} value={a.dueDate ?? "—"} />
                  <Row label={t("borrower.balanceAsOf")} value={a.balanceAsOf} />
                  <Row
                    label={t("borrower.wrongNumber")}
                    value={
                      a.wrongNumberSince
                        ? t("borrower.flagSince", { date: a.wrongNumberSince })
                        : t("borrower.flagOff")
                    }
                  />
                  <Row
                    label={t("borrower.dispute")}
                    value={
                      a.disputeSince
                        ? t("borrower.flagSince", { date: a.disputeSince })
                        : t("borrower.flagOff")
                    }
                  />
                </dl>
                {v.can.flags ? (
                  <div className="button-row">
                    <FlagForm
                      reply={reply}
                      accountId={a.id}
                      flag="wrong_number"
                      on={a.wrongNumberSince !== null}
                      label={a.wrongNumberSince ? t("actions.clearWrongNumber") : t("actions.setWrongNumber")}
                    />
                    <FlagForm
                      reply={reply}
                      accountId={a.id}
                      flag="dispute"
                      on={a.disputeSince !== null}
                      label={a.disputeSince ? t("actions.clearDispute") : t("actions.setDispute")}
                    />
                  </div>
                ) : null}
              </article>
            ))}
          </section>

          <section className="card" aria-labelledby="decisions-title">
            <h2 id="decisions-title">{t("decisions.title")}</h2>
            <ContactDecisions silence={v.silence} decisions={v.decisions} />
          </section>

          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{t("timeline.title")}</h2>
            <Timeline entries={v.timeline} />
          </section>
        </div>

        <aside className="staff-side" aria-label={t("borrower.sidePanel")}>
          <section className="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title">{t("borrower.openTasks")}</h2>
            {v.openTasks.length === 0 ? <p className="hint">{t("borrower.noOpenTasks")}</p> : null}
            <ul className="task-list">
              {v.openTasks.map((task) => (
                <li key={task.id}>
                  <p>
                    <strong>{t(`taskKinds.${task.kind}`)}</strong>
                    {task.accountLast4 ? ` · ${t("common.accountEnding", { last4: task.accountLast4 })}` : ""}
                  </p>
                  <p className="hint">
                    {task.slot
                      ? t("timeline.task.slot", { slot: task.slot })
                      : t("borrower.taskDue", { date: task.due })}
                  </p>
                  {task.borrowerNote ? (
                    <blockquote className="free-text">{task.borrowerNote}</blockquote>
                  ) : null}
                  {v.can.resolveTask ? <ResolveTaskForm reply={reply} taskId={task.id} /> : null}
                </li>
              ))}
            </ul>
          </section>

          {v.can.call ? (
            <section className="card" aria-labelledby="call-title">
              <h2 id="call-title">{t("actions.callTitle")}</h2>
              <CallForm reply={reply} accounts={v.accounts} />
            </section>
          ) : null}

          {v.can.note ? (
            <section className="card" aria-labelledby="note-title">
              <h2 id="note-title">{t("actions.noteTitle")}</h2>
              <NoteForm reply={reply} />
            </section>
          ) : null}

          <section className="card" aria-labelledby="prefs-title">
            <h2 id="prefs-title">{t("preferences.title")}</h2>
            {v.preferences ? (
              <dl className="summary">
                <Row
                  label={t("preferences.sms")}
                  value={
                    v.preferences.smsOptedOut
                      ? t("preferences.optedOut", { date: v.preferences.smsOptedOut })
                      : yesNo(t, v.preferences.smsAllowed)
                  }
                />
                <Row label={t("preferences.phone")} value={yesNo(t, v.preferences.phoneAllowed)} />
                <Row label={t("preferences.email")} value={yesNo(t, v.preferences.emailAllowed)} />
                <Row
                  label={t("preferences.window")}
                  value={v.preferences.window ?? t("preferences.anyTime")}
                />
                <Row
                  label={t("preferences.maxPerWeek")}
                  value={
                    v.preferences.maxPerWeek === null
                      ? t("preferences.policyDefault")
                      : String(v.preferences.maxPerWeek)
                  }
                />
                <Row
                  label={t("preferences.language")}
                  value={
                    v.preferences.preferredLocale
                      ? t(`languages.${v.preferences.preferredLocale}`)
                      : t("preferences.policyDefault")
                  }
                />
              </dl>
            ) : (
              <p className="hint">{t("preferences.none")}</p>
            )}
          </section>
        </aside>
      </div>
    </>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const yesNo = (t: (key: string) => string, value: boolean) => (value ? t("common.yes") : t("common.no"));

export { StaffErrorBoundary as ErrorBoundary };
