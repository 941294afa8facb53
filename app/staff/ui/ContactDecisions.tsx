import { useTranslation } from "react-i18next";
import { ScrollTable } from "../../ui/ScrollTable";
import type { BorrowerPageView } from "../borrower-page.server";

/**
 * "Why did (or didn't) we contact this person": the schedule's decisions in plain words, each naming its
 * channel (text, email, call, visit), so a held-back call is not read as a held-back text.
 */
export function ContactDecisions({ silence, decisions }: Pick<BorrowerPageView, "silence" | "decisions">) {
  const { t } = useTranslation("staff");
  const reason = (code: string) => t(`reasons.${code}`, { defaultValue: t("reasons.unknown", { code }) });
  const channel = (code: string | null) =>
    code ? t(`channels.${code}`, { defaultValue: code }) : t("decisions.noChannel");
  return (
    <>
      <p>
        {silence.lastSent ? t("decisions.lastSent", { date: silence.lastSent }) : t("decisions.neverSent")}
      </p>
      {silence.reasons.length ? (
        <>
          <p>{silence.lastSent ? t("decisions.sinceThen") : t("decisions.heldBack")}</p>
          <ul className="silence-reasons">
            {silence.reasons.map((r) => (
              <li key={`${r.action}:${r.reason}:${r.channel ?? ""}`}>
                {r.channel ? <span className="tag">{channel(r.channel)}</span> : null}{" "}
                <strong>{t(`decisions.action.${r.action}`)}</strong>: {reason(r.reason)}{" "}
                <span className="hint">{t("decisions.reasonSeen", { count: r.count, date: r.latest })}</span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="hint">{t("decisions.nothingHeldBack")}</p>
      )}
      {decisions.length ? (
        <details>
          <summary>{t("decisions.recent", { count: decisions.length })}</summary>
          <ScrollTable label={t("decisions.recentLabel")}>
            <table className="staff-table">
              <thead>
                <tr>
                  <th scope="col">{t("decisions.when")}</th>
                  <th scope="col">{t("decisions.account")}</th>
                  <th scope="col">{t("decisions.channel")}</th>
                  <th scope="col">{t("decisions.decision")}</th>
                  <th scope="col">{t("decisions.why")}</th>
                  <th scope="col">{t("decisions.next")}</th>
                </tr>
              </thead>
              <tbody>
                {decisions.map((d) => (
                  <tr key={d.key}>
                    <td>
                      {d.when}
                      {d.repeats > 1 ? (
                        <span className="hint">
                          {" "}
                          {t("decisions.repeated", { count: d.repeats, since: d.firstWhen })}
                        </span>
                      ) : null}
                    </td>
                    <td>{d.accountLast4 ?? "—"}</td>
                    <td>{channel(d.channel)}</td>
                    <td>{t(`decisions.action.${d.action}`, { defaultValue: d.action })}</td>
                    <td>
                      {reason(d.reason)}
                      {d.sendTime ? (
                        <span className="hint"> {t(`decisions.sendTime.${d.sendTime.why}`, d.sendTime)}</span>
                      ) : null}
                    </td>
                    <td>{d.actAt ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </details>
      ) : null}
    </>
  );
}
