import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { loadQueues } from "~/staff/queues.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.queues") });
  const queues = await loadQueues(context.db, await displayContext(request));
  return data(queues, { headers: { "Cache-Control": "no-store" } });
}

const PREVIEW = 140;
const preview = (text: string) => (text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text);

export default function StaffQueues() {
  const q = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  const borrower = (item: { borrowerId: string; borrowerName: string; accountLast4: string | null }) => (
    <>
      <Link to={`/staff/borrowers/${item.borrowerId}`}>{item.borrowerName}</Link>
      {item.accountLast4 ? (
        <span className="hint"> · {t("common.accountEnding", { last4: item.accountLast4 })}</span>
      ) : null}
    </>
  );
  const age = (item: { ageDays: number; created: string }) => (
    <>
      {t("queues.age", { count: item.ageDays })}
      <span className="hint"> ({item.created})</span>
    </>
  );
  return (
    <>
      <h1>{t("queues.title")}</h1>
      <p className="hint">{t("queues.intro")}</p>

      <Queue
        id="plans"
        title={t("queues.plans")}
        total={q.plans.total}
        shown={q.plans.items.length}
        headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.proposal")]}
      >
        {q.plans.items.map((i) => (
          <tr key={i.id}>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
            <td>
              {t("queues.planSummary", {
                total: i.total,
                count: i.instalmentCount,
                frequency: t(`frequency.${i.frequency}`),
              })}
            </td>
          </tr>
        ))}
      </Queue>

      <Queue
        id="hardship"
        title={t("queues.hardship")}
        total={q.hardship.total}
        shown={q.hardship.items.length}
        headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.reason"), t("queues.details")]}
      >
        {q.hardship.items.map((i) => (
          <tr key={i.id}>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
            <td>{t(`hardshipReasons.${i.reason}`)}</td>
            <td className="free-text">{preview(i.details)}</td>
          </tr>
        ))}
      </Queue>

      <Queue
        id="complaints"
        title={t("queues.complaints")}
        total={q.complaints.total}
        shown={q.complaints.items.length}
        headers={[
          t("queues.ackNumber"),
          t("queues.borrower"),
          t("queues.ageCol"),
          t("queues.category"),
          t("queues.status"),
        ]}
      >
        {q.complaints.items.map((i) => (
          <tr key={i.id}>
            <td>
              <code>{i.ackNumber}</code>
            </td>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
            <td>{t(`complaintCategories.${i.category}`)}</td>
            <td>{t(`complaintStatus.${i.status}`)}</td>
          </tr>
        ))}
      </Queue>

      <Queue
        id="calls"
        title={t("queues.calls")}
        total={q.calls.total}
        shown={q.calls.items.length}
        headers={[t("queues.borrower"), t("queues.ageCol"), t("queues.due")]}
      >
        {q.calls.items.map((i) => (
          <tr key={i.id}>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
            <td>{i.due}</td>
          </tr>
        ))}
      </Queue>

      <Queue
        id="appointments"
        title={t("queues.appointments")}
        total={q.appointments.total}
        shown={q.appointments.items.length}
        headers={[
          t("queues.borrower"),
          t("queues.ageCol"),
          t("queues.kind"),
          t("queues.slot"),
          t("queues.borrowerNote"),
        ]}
      >
        {q.appointments.items.map((i) => (
          <tr key={i.id}>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
            <td>{t(`taskKinds.${i.kind}`)}</td>
            <td>{i.slot ?? "—"}</td>
            <td className="free-text">{i.borrowerNote ? preview(i.borrowerNote) : "—"}</td>
          </tr>
        ))}
      </Queue>

      <Queue
        id="wrong-numbers"
        title={t("queues.wrongNumbers")}
        total={q.wrongNumbers.total}
        shown={q.wrongNumbers.items.length}
        headers={[t("queues.borrower"), t("queues.ageCol")]}
      >
        {q.wrongNumbers.items.map((i) => (
          <tr key={i.id}>
            <td>{borrower(i)}</td>
            <td>{age(i)}</td>
          </tr>
        ))}
      </Queue>
    </>
  );
}

function Queue({
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

export { StaffErrorBoundary as ErrorBoundary };
