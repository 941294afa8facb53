import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** The frame of a borrower action page: a card with the heading and intro, the form, and the way back. */
export function ActionPage({
  id,
  title,
  intro,
  children,
  after,
}: {
  id: string;
  title: string;
  intro?: string;
  children: React.ReactNode;
  /** Further sections, before the way back. */
  after?: React.ReactNode;
}) {
  const { t } = useTranslation("actions");
  return (
    <>
      <section className="card" aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>{title}</h1>
        {intro ? <p>{intro}</p> : null}
        {children}
      </section>
      {after}
      <p>
        <Link to="/account" className="back-link">
          {t("common.back")}
        </Link>
      </p>
    </>
  );
}

/** A problem with the whole submission (not one field), announced when the page loads. */
export function FormProblem({ id, errors }: { id?: string; errors?: string[] }) {
  const { t } = useTranslation("actions");
  if (!errors?.length) return null;
  return (
    <p className="notice notice-error" role="alert" id={id}>
      {errors.map((e) => t(e)).join(" ")}
    </p>
  );
}
