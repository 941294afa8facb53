import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";

interface OutboxPhone {
  to: string;
  messages: Array<{
    id: string;
    direction: string;
    body: string;
    status: string;
    segments: number | null;
    encoding: string | null;
    templateKey: string | null;
    at: string;
  }>;
}

const URL_PATTERN = /(https?:\/\/[^\s]+)/g;

/** Text with its URLs as links (the outbox's texts, the mailbox's text parts). */
export function Linkified({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_PATTERN).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

/**
 * The outbox as on each phone, links clickable, with a box to reply as the phone (STOP, HELP...): the
 * development page (/dev/outbox) and the console's (/staff/outbox) show the same thing.
 */
export function OutboxPhones({ phones, error }: { phones: OutboxPhone[]; error?: string | null }) {
  const { t } = useTranslation("console");
  return (
    <section aria-labelledby="outbox-title">
      <h1 id="outbox-title">{t("outbox.title")}</h1>
      <p className="hint">{t("outbox.intro")}</p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {phones.length === 0 ? (
        <p>
          {t("outbox.empty")} <code>npm run settle -- schedule:run</code>
        </p>
      ) : null}
      {phones.map((phone) => (
        <article key={phone.to} className="phone" aria-label={t("outbox.phone", { phone: phone.to })}>
          <h2>{phone.to}</h2>
          <ol className="bubbles">
            {phone.messages.map((m) => (
              <li key={m.id} className={`bubble ${m.direction}`}>
                <p>
                  <Linkified text={m.body} />
                </p>
                <p className="meta">
                  {m.at} · {m.status}
                  {m.segments
                    ? ` · ${t("outbox.segments", { count: m.segments, encoding: m.encoding })}`
                    : ""}
                  {m.templateKey ? ` · ${m.templateKey}` : ""}
                </p>
              </li>
            ))}
          </ol>
          <Form method="post" className="reply">
            <input type="hidden" name="from" value={phone.to} />
            <label htmlFor={`reply-${phone.to}`}>{t("outbox.replyLabel")}</label>
            <input id={`reply-${phone.to}`} name="body" placeholder="STOP, HELP, START…" maxLength={480} />
            <button type="submit" className="button secondary">
              {t("outbox.send")}
            </button>
          </Form>
        </article>
      ))}
    </section>
  );
}
