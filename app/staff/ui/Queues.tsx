import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Queues } from "../queues.server";

/**
 * The work queues, oldest first: one card per queue with its full count in the heading, the rows shown, and
 * a note when there are more. Free text is cut to a preview.
 */
const PREVIEW = 140;
const preview = (text: string) => (text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text);

export function PlanQueue({ queue }: { queue: Queues["plans"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="plans"
      title={t("queues.plans")}
      total={queue.total}
      shown={queue.items.length}
      headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.proposal")]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
          <td>
            {t("queues.planSummary", {
              total: i.total,
              count: i.instalmentCount,
              frequency: t(`frequency.${i.frequency}`),
            })}
          </td>
        </tr>
      ))}
    </QueueCard>
  );
}

export function HardshipQueue({ queue }: { queue: Queues["hardship"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="hardship"
      title={t("queues.hardship")}
      total={queue.total}
      shown={queue.items.length}
      headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.reason"), t("queues.details")]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
          <td>{t(`hardshipReasons.${i.reason}`)}</td>
          <td className="free-text">{preview(i.details)}</td>
        </tr>
      ))}
    </QueueCard>
  );
}

export function ComplaintQueue({ queue }: { queue: Queues["complaints"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="complaints"
      title={t("queues.complaints")}
      total={queue.total}
      shown={queue.items.length}
      headers={[
        t("queues.ackNumber"),
        t("queues.borrower"),
        t("queues.ageCol"),
        t("queues.category"),
        t("queues.status"),
      ]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <code>{i.ackNumber}</code>
          </td>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
          <td>{t(`complaintCategories.${i.category}`)}</td>
          <td>{t(`complaintStatus.${i.status}`)}</td>
        </tr>
      ))}
    </QueueCard>
  );
}

export function CallQueue({ queue }: { queue: Queues["calls"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="calls"
      title={t("queues.calls")}
      total={queue.total}
      shown={queue.items.length}
      headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.due")]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
          <td>{i.due}</td>
        </tr>
      ))}
    </QueueCard>
  );
}

export function AppointmentQueue({ queue }: { queue: Queues["appointments"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="appointments"
      title={t("queues.appointments")}
      total={queue.total}
      shown={queue.items.length}
      headers={[
        t("queues.borrower"),
        t("queues.ageCol"),
        t("queues.kind"),
        t("queues.slot"),
        t("queues.borrowerNote"),
      ]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
          <td>{t(`taskKinds.${i.kind}`)}</td>
          <td>{i.slot ?? "—"}</td>
          <td className="free-text">{i.borrowerNote ? preview(i.borrowerNote) : "—"}</td>
        </tr>
      ))}
    </QueueCard>
  );
}

export function WrongNumberQueue({ queue }: { queue: Queues["wrongNumbers"] }) {
  const { t } = useTranslation("staff");
  return (
    <QueueCard
      id="wrong-numbers"
      title={t("queues.wrongNumbers")}
      total={queue.total}
      shown={queue.items.length}
      headers={[t("queues.borrower"), t("queues.ageCol")]}
    >
      {queue.items.map((i) => (
        <tr key={i.id}>
          <td>
            <QueueBorrower item={i} />
          </td>
          <td>
            <QueueAge item={i} />
          </td>
        </tr>
      ))}
    </QueueCard>
  );
}

function QueueBorrower({
  item,
}: {
  item: { borrowerId: string; borrowerName: string; accountLast4: string | null };
}) {
  const { t } = useTranslation("staff");
  return (
    <>
      <Link to={`/staff/borrowers/${item.borrowerId}`}>{item.borrowerName}</Link>
      {item.accountLast4 ? (
        <span className="hint"> · {t("common.accountEnding", { last4: item.accountLast4 })}</span>
      ) : null}
    </>
  );
}

function QueueAge({ item }: { item: { ageDays: number; created: string } }) {
  const { t } = useTranslation("staff");
  return (
    <>
      {t("queues.age", { count: item.ageDays })}
      <span className="hint"> ({item.created})</span>
    </>
  );
}

function QueueCard({
  id,
  title,
  total,
  shown,
  headers,
  children,
}: {
  id: string;
  title: string;
  total: number;
  shown: number;
  headers: string[];
  children: ReactNode;
}) {
  const { t } = useTranslation("staff");
  return (
    <section className="card staff-queue" aria-labelledby={`queue-${id}`}>
      <h2 id={`queue-${id}`}>
        {title} <span className="count">({total})</span>
      </h2>
      {total === 0 ? (
        <p className="hint">{t("queues.empty")}</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`queue-${id}`}>
          <table className="staff-table">
            <thead>
              <tr>
                {headers.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
          {total > shown ? <p className="hint">{t("queues.more", { shown, total })}</p> : null}
        </div>
      )}
    </section>
  );
}
