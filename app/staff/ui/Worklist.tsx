import { Form, Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import type { TaskKind } from "../../../db/schema";

/**
 * The work page's parts: a table of tasks with the one button each row needs (claim an unowned task,
 * release one's own), a reassignment form for supervisors, and the load per person.
 */
interface WorkRow {
  id: string;
  kind: TaskKind;
  borrowerId: string;
  borrowerName: string;
  due: string;
  ownerName: string | null;
  caseId: string | null;
  lockout: boolean;
}

export function WorkTable({
  id,
  title,
  items,
  action,
  assignees,
}: {
  id: string;
  title: string;
  items: WorkRow[];
  action: "claim" | "release";
  assignees?: Array<{ id: string; name: string }>;
}) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby={`work-${id}`}>
      <h2 id={`work-${id}`}>
        {title} <span className="count">({items.length})</span>
      </h2>
      {items.length === 0 ? (
        <p className="hint">{t("queues.empty")}</p>
      ) : (
        <ScrollTable labelledBy={`work-${id}`}>
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("queues.kind")}</th>
                <th scope="col">{t("queues.borrower")}</th>
                <th scope="col">{t("queues.due")}</th>
                <th scope="col">{t("work.owner")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("work.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    {item.caseId ? (
                      <Link to={`/staff/cases/${item.caseId}`}>{t(`taskKinds.${item.kind}`)}</Link>
                    ) : item.lockout ? (
                      t("work.lockoutCallback")
                    ) : (
                      t(`taskKinds.${item.kind}`)
                    )}
                  </td>
                  <td>
                    <Link to={`/staff/borrowers/${item.borrowerId}`}>{item.borrowerName}</Link>
                  </td>
                  <td>{item.due}</td>
                  <td>{item.ownerName ?? t("work.nobody")}</td>
                  <td>
                    <TaskButton taskId={item.id} intent={action} label={t(`work.${action}`)} />
                    {assignees ? <AssignForm taskId={item.id} assignees={assignees} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </section>
  );
}

function TaskButton({ taskId, intent, label }: { taskId: string; intent: string; label: string }) {
  return (
    <Form method="post" action="/staff/work" className="inline-form">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="taskId" value={taskId} />
      <button type="submit" className="button secondary small">
        {label}
      </button>
    </Form>
  );
}

function AssignForm({
  taskId,
  assignees,
}: {
  taskId: string;
  assignees: Array<{ id: string; name: string }>;
}) {
  const { t } = useTranslation("staff");
  const fieldId = `assign-${taskId}`;
  return (
    <Form method="post" action="/staff/work" className="inline-form">
      <input type="hidden" name="intent" value="assign" />
      <input type="hidden" name="taskId" value={taskId} />
      <label htmlFor={fieldId}>{t("work.assignTo")}</label>{" "}
      <select id={fieldId} name="assigneeId">
        {assignees.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>{" "}
      <button type="submit" className="button secondary small">
        {t("work.assign")}
      </button>
    </Form>
  );
}

export function TeamLoad({
  load,
}: {
  load: Array<{ id: string; displayName: string; role: string; open: number; oldestDue: string | null }>;
}) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="work-load">
      <h2 id="work-load">{t("work.load")}</h2>
      <ScrollTable labelledBy="work-load">
        <table className="staff-table">
          <thead>
            <tr>
              <th scope="col">{t("users.name")}</th>
              <th scope="col">{t("users.role")}</th>
              <th scope="col">{t("work.openCount")}</th>
              <th scope="col">{t("work.oldestDue")}</th>
            </tr>
          </thead>
          <tbody>
            {load.map((l) => (
              <tr key={l.id}>
                <td>{l.displayName}</td>
                <td>{t(`roles.${l.role}`)}</td>
                <td>{l.open}</td>
                <td>{l.oldestDue ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </section>
  );
}
