import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatMoney } from "../../domain/money";
import type { Interval, Verdict } from "../../domain/experiment-stats";
import { ScrollTable } from "../../ui/ScrollTable";
import type { Comparison, RateMeasure } from "../experiment-comparison.server";
import type { ExperimentSummary } from "../experiments.server";
import type { PolicyFieldErrors, PolicyFormValues } from "../policy-form";
import { PolicyEditorForm } from "./PolicyEditorForm";
import { TextInput } from "./PolicyFields";

/**
 * The strategy experiments page (docs/product-rules.md §4.21): the comparison of the arms with 95%
 * intervals and a verdict per measure, the stop and promote buttons, and the challenger's start form,
 * which is the contact-policy editor itself with a name and a share.
 */

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pctRange = (i: Interval | null) => (i ? `${pct(i.low)} – ${pct(i.high)}` : "—");

export function ExperimentCard({
  experiment: e,
  running,
}: {
  experiment: ExperimentSummary;
  running: boolean;
}) {
  const { t } = useTranslation("console");
  const headingId = `experiment-${e.id}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {e.name} {e.demo ? <span className="badge">{t("experiments.demo")}</span> : null}
      </h2>
      <p>
        {t("experiments.summary", {
          share: e.sharePercent,
          version: e.championVersion,
          started: e.startedAt,
        })}
      </p>
      {e.status !== "running" ? (
        <p>
          {e.status === "promoted"
            ? t("experiments.promotedAs", { version: e.promotedVersion, ended: e.endedAt })
            : t("experiments.stoppedAt", { ended: e.endedAt })}
        </p>
      ) : null}
      <ComparisonTable comparison={e.comparison} caption={headingId} />
      {running ? (
        <div className="button-row">
          <Form method="post">
            <input type="hidden" name="experimentId" value={e.id} />
            <button type="submit" name="intent" value="promote" className="button primary">
              {t("experiments.promote")}
            </button>
          </Form>
          <Form method="post">
            <input type="hidden" name="experimentId" value={e.id} />
            <button type="submit" name="intent" value="stop" className="button">
              {t("experiments.stop")}
            </button>
          </Form>
        </div>
      ) : null}
    </section>
  );
}

function ComparisonTable({ comparison: c, caption }: { comparison: Comparison; caption: string }) {
  const { t, i18n } = useTranslation("console");
  const verdictText = (v: Verdict) => t(`experiments.verdicts.${v}`);
  const rate = (m: RateMeasure) =>
    m.interval ? `${pct(m.interval.estimate)} (${m.successes}/${m.n}) [${pctRange(m.interval)}]` : "—";
  const money = (minor: number, currency: string) =>
    formatMoney({ minor: Math.round(minor), currency }, i18n.language);
  const moneyInterval = (i: Interval | null, currency: string) =>
    i ? `${money(i.estimate, currency)} [${money(i.low, currency)} – ${money(i.high, currency)}]` : "—";
  const rows = (["cure", "paid", "promiseKept"] as const).map((measure) => ({
    key: measure,
    label: t(`experiments.measures.${measure}`),
    champion: rate(c.arms.champion[measure]),
    challenger: rate(c.arms.challenger[measure]),
    difference: c.differences[measure].interval
      ? `${pct(c.differences[measure].interval.estimate)} [${pctRange(c.differences[measure].interval)}]`
      : "—",
    verdict: verdictText(c.differences[measure].verdict),
  }));
  const collected = c.collected.map((m) => ({
    key: `collected-${m.currency}`,
    label: t("experiments.measures.collected", { currency: m.currency }),
    champion: moneyInterval(m.champion.mean, m.currency),
    challenger: moneyInterval(m.challenger.mean, m.currency),
    difference: moneyInterval(m.difference, m.currency),
    verdict: verdictText(m.verdict),
  }));
  return (
    <>
      <ScrollTable labelledBy={caption}>
        <table className="staff-table">
          <thead>
            <tr>
              <th scope="col">{t("experiments.measure")}</th>
              <th scope="col">{t("experiments.champion", { n: c.arms.champion.accounts })}</th>
              <th scope="col">{t("experiments.challenger", { n: c.arms.challenger.accounts })}</th>
              <th scope="col">{t("experiments.difference")}</th>
              <th scope="col">{t("experiments.verdict")}</th>
            </tr>
          </thead>
          <tbody>
            {[...rows, ...collected].map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td>{r.champion}</td>
                <td>{r.challenger}</td>
                <td>{r.difference}</td>
                <td>{r.verdict}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      <p className="hint">{t("experiments.method", { min: c.minSamplePerArm })}</p>
    </>
  );
}

export function StartExperimentForm({
  championVersion,
  values,
  errors,
}: {
  championVersion: number;
  values: PolicyFormValues;
  errors: PolicyFieldErrors;
}) {
  const { t } = useTranslation("console");
  const field = { values, errors };
  return (
    <section aria-labelledby="experiment-start">
      <h2 id="experiment-start">{t("experiments.start")}</h2>
      <p className="hint">{t("experiments.startHint", { version: championVersion })}</p>
      <PolicyEditorForm
        values={values}
        errors={errors}
        baseVersion={championVersion}
        intent="start"
        submitLabel={t("experiments.startButton")}
        lockedJurisdictions
      >
        <section className="card" aria-labelledby="experiment-arm">
          <h2 id="experiment-arm">{t("experiments.arm")}</h2>
          <div className="policy-grid">
            <TextInput {...field} name="name" label={t("experiments.name")} inputMode="text" />
            <TextInput
              {...field}
              name="sharePercent"
              label={t("experiments.share")}
              hint={t("experiments.shareHint")}
            />
          </div>
        </section>
      </PolicyEditorForm>
    </section>
  );
}
