import { useTranslation } from "react-i18next";
import type { BorrowerWorkspace } from "../borrower-workspace.server";

/**
 * The top of the borrower page: per account, when the schedule will next text and why (what the planner
 * would decide now, in the words of the decision reasons), and a call back the borrower booked.
 */
export function NextContact({ page }: { page: BorrowerWorkspace }) {
  const { t } = useTranslation("staff");
  const reason = (code: string) => t(`reasons.${code}`, { defaultValue: t("reasons.unknown", { code }) });
  const callback = page.openTasks.find((task) => task.slot !== null);
  return (
    <section className="card next-contact" aria-labelledby="next-contact-title">
      <h2 id="next-contact-title">{t("nextContact.title")}</h2>
      {page.nextContact.length === 0 && !callback ? <p className="hint">{t("nextContact.none")}</p> : null}
      <ul className="next-contact-list">
        {page.nextContact.map((n) => (
          <li key={n.accountLast4}>
            <strong>{t("common.accountEnding", { last4: n.accountLast4 })}</strong>:{" "}
            {n.channel ? <span className="tag">{t(`channels.${n.channel}`)}</span> : null}{" "}
            {t(`nextContact.${n.action}`, { at: n.at ?? "—" })}.{" "}
            <span>{t("nextContact.why", { reason: reason(n.reason) })}</span>
          </li>
        ))}
        {callback ? <li>{t("nextContact.callback", { slot: callback.slot })}</li> : null}
      </ul>
    </section>
  );
}
