import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { ScrollTable } from "~/ui/ScrollTable";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { loadApprovalQueue, type ApprovalQueueItem } from "~/staff/approvals.server";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { PolicyReasons } from "~/staff/ui/ApprovalParts";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const DONE = ["approved", "rejected", "countered"] as const;

/** Plans waiting for an approver, oldest first, with why the automatic policy did not approve them. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.approvals._index") });
  const queue = await loadApprovalQueue(context.db, await displayContext(request));
  const done = new URL(request.url).searchParams.get("done");
  return data(
    { ...queue, done: (DONE as readonly string[]).includes(done ?? "") ? done : null },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function StaffApprovals() {
  const q = useLoaderData<typeof loader>();
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("approvals.title")}</h1>
      <p className="hint">{t("approvals.intro")}</p>
      {q.done ? (
        <p className="notice" role="status">
          {t(`approvals.done.${q.done}`)}
        </p>
      ) : null}
      <PlanTable
        id="awaiting-approver"
        title={t("approvals.awaitingApprover")}
        items={q.awaitingApprover}
        empty={t("approvals.emptyApprover")}
      />
      <PlanTable
        id="awaiting-borrower"
        title={t("approvals.awaitingBorrower")}
        items={q.awaitingBorrower}
        empty={t("approvals.emptyBorrower")}
        counterOffers
      />
    </>
  );
}

function PlanTable({
  id,
  title,
  items,
  empty,
  counterOffers = false,
}: {
  id: string;
  title: string;
  items: ApprovalQueueItem[];
  empty: string;
  counterOffers?: boolean;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  return (
    <section className="card staff-queue" aria-labelledby={id}>
      <h2 id={id}>
        {title} <span className="count">({items.length})</span>
      </h2>
      {items.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <ScrollTable labelledBy={id}>
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("approvals.borrower")}</th>
                <th scope="col">{t("approvals.balance")}</th>
                <th scope="col">{t("approvals.dpd")}</th>
                <th scope="col">{t("approvals.proposal")}</th>
                <th scope="col">{t("approvals.waiting")}</th>
                <th scope="col">{counterOffers ? t("approvals.offeredBy") : t("approvals.whyReview")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.planId}>
                  <td>
                    <Link to={`/staff/approvals/${i.planId}`}>{i.borrowerName}</Link>
                    <span className="hint"> · {ts("common.accountEnding", { last4: i.accountLast4 })}</span>
                  </td>
                  <td>{i.balance}</td>
                  <td>{i.dpd}</td>
                  <td>
                    {t("approvals.terms", {
                      n: i.count,
                      total: i.total,
                      frequency: ts(`frequency.${i.frequency}`),
                      date: i.firstDueDate,
                    })}
                  </td>
                  <td>
                    {ts("queues.age", { count: i.ageDays })}
                    <span className="hint"> ({i.created})</span>
                  </td>
                  <td>{counterOffers ? (i.proposedByName ?? "—") : <PolicyReasons reasons={i.reasons} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </section>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
