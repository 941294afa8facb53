import { useTranslation } from "react-i18next";
import { formatCalendarDate, formatMoney } from "~/domain/money";

export interface InstalmentRow {
  seq: number;
  dueDate: string;
  amountMinor: number;
  status?: "due" | "paid" | "missed" | "proposed";
}

/** Every instalment of a plan with its date and amount, and the total they sum to. */
export function InstalmentTable({
  instalments,
  currency,
  showStatus = false,
}: {
  instalments: InstalmentRow[];
  currency: string;
  showStatus?: boolean;
}) {
  const { t, i18n } = useTranslation("plan");
  const money = (minor: number) => formatMoney({ minor, currency }, i18n.language);
  const total = instalments.reduce((sum, i) => sum + i.amountMinor, 0);
  return (
    <table className="instalment-table">
      <caption>{t("table.caption")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("table.number")}</th>
          <th scope="col">{t("table.date")}</th>
          <th scope="col" className="num">
            {t("table.amount")}
          </th>
          {showStatus ? <th scope="col">{t("table.status")}</th> : null}
        </tr>
      </thead>
      <tbody>
        {instalments.map((i) => (
          <tr key={i.seq}>
            <th scope="row">{i.seq}</th>
            <td>{formatCalendarDate(i.dueDate, i18n.language)}</td>
            <td className="num">{money(i.amountMinor)}</td>
            {showStatus ? <td>{t(`table.status_${i.status ?? "due"}`)}</td> : null}
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            {t("table.total")}
          </th>
          <td className="num">{money(total)}</td>
          {showStatus ? <td /> : null}
        </tr>
      </tfoot>
    </table>
  );
}
