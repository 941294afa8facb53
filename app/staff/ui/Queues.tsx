import { Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import type { Queues } from "../queues.server";

/**
 * The work queues, oldest first: one card per queue with its full count in the heading, the rows shown, and
 * a note when there are more. Free text is cut to a preview.
 */
const PREVIEW = 140;
const preview = (text: string) => (text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text);

type QueueItem = { id: string; borrowerId: string; borrowerName: string; accountLast4: string | null } & {
  ageDays: number;
  created: string;
  ownerName: string | null;
};
/** One column of a queue's table: its heading and each row's cell. */
type Column<T> = { header: string; cell: (item: T) => ReactNode; className?: string };

/** The borrower (linked), the item's age and its owner: the first columns of every queue. */
function who<T extends QueueItem>(t: TFunction<"staff">): Column<T>[] {
  return [
    { header: t("queues.borrower"), cell: (i) => <QueueBorrower item={i} /> },
    { header: t("queues.ageCol"), cell: (i) => <QueueAge item={i} /> },
    { header: t("work.owner"), cell: (i) => i.ownerName ?? t("work.nobody") },
  ];
}

export function PlanQueue({ queue }: { queue: Queues["plans"] }) {
  const { t } = useTranslation("staff");
  const columns: Column<Queues["plans"]["items"][number]>[] = [
    ...who(t),
    {
      header: t("queues.proposal"),
      cell: (i) =>
        t("queues.planSummary", {
          total: i.total,
          count: i.instalmentCount,
          frequency: t(`frequency.${i.frequency}`),
        }),
    },
  ];
  return <QueueCard id="plans" title={t("queues.plans")} queue={queue} columns={columns} />;
}

export function HardshipQueue({ queue }: { queue: Queues["hardship"] }) {
  const { t } = useTranslation("staff");
  const columns: Column<Queues["hardship"]["items"][number]>[] = [
    ...who(t),
    {
      header: t("queues.reason"),
      cell: (i) => <Link to={`/staff/cases/${i.id}`}>{t(`hardshipReasons.${i.reason}`)}</Link>,
    },
    { header: t("queues.status"), cell: (i) => t(`hardshipStatus.${i.status}`) },
    { header: t("queues.details"), cell: (i) => preview(i.details), className: "free-text" },
  ];
  return <QueueCard id="hardship" title={t("queues.hardship")} queue={queue} columns={columns} />;
}

export function ComplaintQueue({ queue }: { queue: Queues["complaints"] }) {
  const { t } = useTranslation("staff");
  const columns: Column<Queues["complaints"]["items"][number]>[] = [
    {
      header: t("queues.ackNumber"),
      cell: (i) => (
        <Link to={`/staff/cases/${i.id}`}>
          <code>{i.ackNumber}</code>
        </Link>
      ),
    },
    ...who(t),
    { header: t("queues.category"), cell: (i) => t(`complaintCategories.${i.category}`) },
    { header: t("queues.status"), cell: (i) => t(`hardshipStatus.${i.status}`) },
  ];
  return <QueueCard id="complaints" title={t("queues.complaints")} queue={queue} columns={columns} />;
}

export function CallQueue({ queue }: { queue: Queues["calls"] }) {
  const { t } = useTranslation("staff");
  const columns: Column<Queues["calls"]["items"][number]>[] = [
    ...who(t),
    { header: t("queues.due"), cell: (i) => i.due },
  ];
  return <QueueCard id="calls" title={t("queues.calls")} queue={queue} columns={columns} />;
}

export function AppointmentQueue({ queue }: { queue: Queues["appointments"] }) {
  const { t } = useTranslation("staff");
  const columns: Column<Queues["appointments"]["items"][number]>[] = [
    ...who(t),
    { header: t("queues.kind"), cell: (i) => t(`taskKinds.${i.kind}`) },
    { header: t("queues.slot"), cell: (i) => i.slot ?? "—" },
    {
      header: t("queues.borrowerNote"),
      cell: (i) => (i.borrowerNote ? preview(i.borrowerNote) : "—"),
      className: "free-text",
    },
  ];
  return <QueueCard id="appointments" title={t("queues.appointments")} queue={queue} columns={columns} />;
}

export function WrongNumberQueue({ queue }: { queue: Queues["wrongNumbers"] }) {
  const { t } = useTranslation("staff");
  return <QueueCard id="wrong-numbers" title={t("queues.wrongNumbers")} queue={queue} columns={who(t)} />;
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

function QueueCard<T extends { id: string }>({
  id,
  title,
  queue: { total, items },
  columns,
}: {
  id: string;
  title: string;
  queue: { total: number; items: T[] };
  columns: Column<T>[];
}) {
  const { t } = useTranslation("staff");
  const shown = items.length;
  return (
    <section className="card staff-queue" aria-labelledby={`queue-${id}`}>
      <h2 id={`queue-${id}`}>
        {title} <span className="count">({total})</span>
      </h2>
      {total === 0 ? (
        <p className="hint">{t("queues.empty")}</p>
      ) : (
        <ScrollTable labelledBy={`queue-${id}`}>
          <table className="staff-table">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  {columns.map((c) => (
                    <td key={c.header} className={c.className}>
                      {c.cell(item)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {total > shown ? <p className="hint">{t("queues.more", { shown, total })}</p> : null}
        </ScrollTable>
      )}
    </section>
  );
}
