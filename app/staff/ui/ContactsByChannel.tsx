import { useTranslation } from "react-i18next";
import { BarChart } from "../../ui/BarChart";
import { ScrollTable } from "../../ui/ScrollTable";
import type { ChannelContacts } from "../contacts-by-channel.server";

/**
 * Contacts by channel and outcome (docs/outcomes.md): a chart of the contacts per channel, and a table of
 * every outcome counted, one group of rows per channel.
 */
export function ContactsByChannel({ contacts }: { contacts: ChannelContacts }) {
  const { t } = useTranslation("console");
  const groups = [
    ["sms", contacts.sms.sent, contacts.sms],
    ["email", contacts.email.sent, contacts.email],
    ["calls", contacts.calls.total, contacts.calls],
    ["visits", contacts.visits.opened, contacts.visits],
  ] as const;
  return (
    <>
      <h3 id="outcomes-contacts">{t("outcomes.contacts.title")}</h3>
      <p className="hint">{t("outcomes.contacts.hint")}</p>
      <BarChart
        title={t("outcomes.contacts.title")}
        summary={t("outcomes.contacts.summary")}
        orientation="horizontal"
        labelHeader={t("outcomes.contacts.channel")}
        valueHeader={t("outcomes.contacts.count")}
        tableToggle={t("dashboard.showTable")}
        data={groups.map(([channel, n]) => ({ label: t(`outcomes.contacts.channels.${channel}`), value: n }))}
      />
      <ScrollTable labelledBy="outcomes-contacts">
        <table className="staff-table numeric" data-contacts-by-channel>
          <thead>
            <tr>
              <th scope="col">{t("outcomes.contacts.channel")}</th>
              <th scope="col">{t("outcomes.contacts.outcome")}</th>
              <th scope="col">{t("outcomes.contacts.count")}</th>
            </tr>
          </thead>
          {groups.map(([channel, , counts]) => {
            const rows = Object.entries(counts);
            return (
              <tbody key={channel}>
                {rows.map(([key, n], i) => (
                  <tr key={key} data-contact={`${channel}.${key}`}>
                    {i === 0 ? (
                      <th scope="rowgroup" rowSpan={rows.length}>
                        {t(`outcomes.contacts.channels.${channel}`)}
                      </th>
                    ) : null}
                    <th scope="row">{t(`outcomes.contacts.${channel}.${key}`)}</th>
                    <td>{n}</td>
                  </tr>
                ))}
              </tbody>
            );
          })}
        </table>
      </ScrollTable>
    </>
  );
}
