import { Form, Link, useSubmit } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { TIMELINE_FILTERS, type TimelineFilter } from "../timeline";

/**
 * The timeline's filters: a plain GET form (the query string holds only the filter words), so it works
 * without JavaScript with its button; with JavaScript a change of box applies at once, keeping the scroll
 * and the focus (the boxes follow the page's data, so they always say what the list shows).
 */
export function TimelineFilters({
  shown,
  counts,
}: {
  shown: readonly TimelineFilter[];
  counts: Record<TimelineFilter, number>;
}) {
  const { t } = useTranslation("staff");
  const submit = useSubmit();
  return (
    <Form method="get" className="timeline-filters" preventScrollReset>
      <fieldset>
        <legend>{t("timeline.filters.legend")}</legend>
        <div className="timeline-filter-boxes">
          {TIMELINE_FILTERS.map((f) => (
            <div key={f} className="checkbox-field">
              <input
                type="checkbox"
                id={`show-${f}`}
                name="show"
                value={f}
                checked={shown.includes(f)}
                onChange={(event) =>
                  submit(event.currentTarget.form, { replace: true, preventScrollReset: true })
                }
              />
              <label htmlFor={`show-${f}`}>
                {t(`timeline.filters.${f}`)} <span className="hint">({counts[f]})</span>
              </label>
            </div>
          ))}
        </div>
        <p className="hint">{t("timeline.filters.hint")}</p>
        <div className="button-row">
          <button type="submit" className="button secondary small">
            {t("timeline.filters.apply")}
          </button>
          {shown.length ? (
            <Link to="?" preventScrollReset replace>
              {t("timeline.filters.clear")}
            </Link>
          ) : null}
        </div>
      </fieldset>
    </Form>
  );
}
