import { useTranslation } from "react-i18next";
import { Linkified } from "./OutboxPhones";

interface MailboxEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: string[];
  templateKey: string | null;
  locale: string | null;
  at: string;
}

/** The development mailbox (/dev/mailbox, /staff/mailbox): each email's text part with live links. */
export function Mailbox({ emails }: { emails: MailboxEmail[] }) {
  const { t } = useTranslation("console");
  return (
    <section aria-labelledby="mailbox-title">
      <h1 id="mailbox-title">{t("mailbox.title")}</h1>
      <p className="hint">{t("mailbox.intro")}</p>
      {emails.length === 0 ? <p>{t("mailbox.empty")}</p> : null}
      {emails.map((e) => (
        <article
          key={e.id}
          className="card email"
          aria-labelledby={`email-${e.id}`}
          lang={e.locale ?? undefined}
        >
          <h2 id={`email-${e.id}`}>{e.subject}</h2>
          <p className="meta">
            {t("mailbox.to", { address: e.to })} · {e.at}
            {e.templateKey ? ` · ${e.templateKey}` : ""}
          </p>
          <pre className="email-text">
            <Linkified text={e.text} />
          </pre>
          <details>
            <summary>{t("mailbox.headers")}</summary>
            <pre>{e.headers.join("\n")}</pre>
          </details>
          <details>
            <summary>{t("mailbox.html")}</summary>
            <pre>{e.html}</pre>
          </details>
        </article>
      ))}
    </section>
  );
}
