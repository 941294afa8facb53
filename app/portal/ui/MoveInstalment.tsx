import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCalendarDate } from "~/domain/money";
import type { InstalmentMoveProblem } from "~/domain/instalment-move";

/** Asking to move the next instalment to a later day, once per plan (a plain form post). */
export function MoveInstalment({
  offer,
  problem,
}: {
  offer: { seq: number; dueDate: string; latest: string };
  problem?: InstalmentMoveProblem;
}) {
  const { t, i18n } = useTranslation("plan");
  const day = (iso: string) => formatCalendarDate(iso, i18n.language);
  const errorId = "move-date-error";
  return (
    <section className="card" aria-labelledby="move-title">
      <h2 id="move-title">{t("move.title")}</h2>
      <p id="move-hint">
        {t("move.body", { seq: offer.seq, due: day(offer.dueDate), latest: day(offer.latest) })}
      </p>
      <Form method="post" replace>
        <input type="hidden" name="intent" value="move" />
        <div className={`field ${problem ? "field-error" : ""}`}>
          <label htmlFor="move-date">{t("move.dateLabel")}</label>
          <input
            id="move-date"
            name="newDate"
            type="date"
            required
            min={offer.dueDate}
            max={offer.latest}
            aria-describedby={problem ? `move-hint ${errorId}` : "move-hint"}
            aria-invalid={problem ? true : undefined}
          />
          {problem ? (
            <p className="error-message" id={errorId}>
              {t(`move.errors.${problem}`, { latest: day(offer.latest) })}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button secondary">
          {t("move.submit")}
        </button>
      </Form>
    </section>
  );
}
