import { Form } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import type { BankEventRow } from "../bank-integration.server";

/** Events for the bank, each with every delivery attempt and a button that queues it again. */
export function WebhookEventsTable({ events, failedOnly }: { events: BankEventRow[]; failedOnly: boolean }) {
  const { t } = useTranslation("console");
  return (
    <ScrollTable labelledBy="events-title">
      <table className="staff-table">
        <thead>
          <tr>
            <th scope="col">{t("webhooks.event")}</th>
            <th scope="col">{t("webhooks.created")}</th>
            <th scope="col">{t("webhooks.state")}</th>
            <th scope="col">{t("webhooks.attempts")}</th>
            <th scope="col">
              <span className="visually-hidden">{t("webhooks.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>
                <code>{e.type}</code>
                {e.accountRef ? <span className="hint"> · {e.accountRef}</span> : null}
                <br />
                <span className="hint break">{e.id}</span>
              </td>
              <td>{e.created}</td>
              <td className={e.state === "failed" ? "text-danger" : undefined}>
                {t(`webhooks.states.${e.state}`)}
              </td>
              <td>{e.attempts.length === 0 ? "—" : <AttemptList attempts={e.attempts} />}</td>
              <td>
                <Form method="post" action={failedOnly ? "/staff/webhooks?failed=1" : "/staff/webhooks"}>
                  <input type="hidden" name="intent" value="redeliver" />
                  <input type="hidden" name="eventId" value={e.id} />
                  <button
                    type="submit"
                    className="button secondary small"
                    aria-label={t("webhooks.redeliverLabel", { type: e.type, created: e.created })}
                  >
                    {t("webhooks.redeliver")}
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function AttemptList({ attempts }: { attempts: BankEventRow["attempts"] }) {
  const { t } = useTranslation("console");
  return (
    <ol className="attempt-list">
      {attempts.map((a) => (
        <li key={a.attempt}>
          {t("webhooks.attempt", { n: a.attempt, when: a.when })}:{" "}
          {a.ok ? t("webhooks.ok", { code: a.statusCode }) : (a.error ?? t("webhooks.failedAttempt"))}
          {a.nextAttempt ? (
            // Three text nodes, as this page has always rendered them, so its markup stays the same.
            <span className="hint">
              {" "}
              {"· "}
              {t("webhooks.nextAttempt", { when: a.nextAttempt })}
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
