import { useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { loader as rootLoader } from "~/root";

/** A confirmation or information page: a heading and paragraphs from the portal namespace. */
export function MessagePage({ title, paragraphs }: { title: string; paragraphs: string[] }) {
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("portal");
  return (
    <section className="card" aria-labelledby="message-title">
      <h1 id="message-title">{t(title)}</h1>
      {paragraphs.map((key) => (
        <p key={key}>{t(key, { hotline: root?.hotline })}</p>
      ))}
    </section>
  );
}
