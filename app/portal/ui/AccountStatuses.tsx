import { useTranslation } from "react-i18next";
import type { AccountStatusKind } from "../../../db/schema";

/**
 * What applies to the borrower's account in plain words (docs/product-rules.md §4.18): each status in
 * force and what it means for contact. Only on verified pages, so nothing about the debt shows before.
 */
export function AccountStatuses(props: {
  statuses: readonly AccountStatusKind[];
  until: string | null;
  hotline: string;
}) {
  const { t } = useTranslation("statuses");
  if (props.statuses.length === 0) return null;
  return (
    <section className="card" aria-labelledby="statuses-title">
      <h2 id="statuses-title">{t("portal.title")}</h2>
      <ul>
        {props.statuses.map((kind) => (
          <li key={kind}>{t(`portal.${kind}`, { date: props.until ?? "", hotline: props.hotline })}</li>
        ))}
      </ul>
    </section>
  );
}
