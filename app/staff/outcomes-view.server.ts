import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { currencyExponent, formatMoney } from "../domain/money";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { appendAudit } from "../platform/audit.server";
import { parseOutcomeFilters, outcomeFiltersQuery, type OutcomeFilters } from "./outcome-filters";
import { loadOutcomes, type Outcomes, type Rate } from "./outcomes.server";
import { loadChannelContacts, type ChannelContacts } from "./contacts-by-channel.server";

/** External references of the demo book's synthetic past (app/demo/history-draw.ts): the dashboard says so. */
export const DEMO_HISTORY_REF_PREFIX = "DEMO-HIST-";

/** Contact per this many major units collected (e.g. texts per 1,000 HKD). */
const COST_PER_MAJOR_UNITS = 1_000;

const percent = (r: Rate) => (r.denominator ? Math.round((r.numerator * 1000) / r.denominator) / 10 : null);

/** Per 1,000 major units of `collectedMinor`, one decimal; null when nothing was collected. */
function perUnits(count: number, collectedMinor: number, currency: string): number | null {
  if (collectedMinor <= 0) return null;
  const major = collectedMinor / 10 ** currencyExponent(currency);
  return Math.round(((count * COST_PER_MAJOR_UNITS) / major) * 10) / 10;
}

/** The outcome figures as the dashboard shows them: amounts formatted in the console's language, rates in percent. */
function outcomesView(o: Outcomes, contacts: ChannelContacts, locale: string) {
  const money = (minor: number, currency: string) => formatMoney({ minor, currency }, locale);
  return {
    filters: o.filters,
    contacts,
    csvQuery: outcomeFiltersQuery(o.filters),
    byCurrency: o.byCurrency.map((c) => ({
      ...c,
      portal: money(c.portalMinor, c.currency),
      offline: money(c.offlineMinor, c.currency),
      total: money(c.totalMinor, c.currency),
      textsPerUnit: perUnits(c.texts, c.totalMinor, c.currency),
      segmentsPerUnit: perUnits(c.segments, c.totalMinor, c.currency),
      callsPerUnit: perUnits(c.calls + c.visits, c.totalMinor, c.currency),
    })),
    rates: (["cure", "roll", "promiseKept", "planCompleted", "planBroken"] as const).map((key) => ({
      key,
      ...o[key],
      percent: percent(o[key]),
    })),
    firstAction: o.firstAction,
    cohorts: o.cohorts.map((c) => ({
      month: c.month,
      currency: c.currency,
      accounts: c.accounts,
      placed: money(c.placedMinor, c.currency),
      curve: c.curve.map((p) => ({
        monthsSinceEntry: p.monthsSinceEntry,
        collected: money(p.collectedMinor, c.currency),
        percent: c.placedMinor ? Math.round((p.collectedMinor * 1000) / c.placedMinor) / 10 : 0,
      })),
    })),
  };
}

export type OutcomesView = ReturnType<typeof outcomesView>;

export type OutcomesSection =
  | { status: "ok"; view: OutcomesView; demoHistory: boolean }
  | { status: "invalid"; errors: Record<string, string>; values: Record<string, string> };

/** The dashboard's outcome section for a query string: the figures, or what to fix in the filters. */
export async function outcomesSection(
  db: Kysely<Database>,
  params: URLSearchParams,
  opts: { timeZone: string; locale: string; now?: Date },
): Promise<OutcomesSection> {
  const parsed = parseOutcomeFilters(params, todayIn(opts.timeZone, opts.now));
  if (!parsed.ok)
    return {
      status: "invalid",
      errors: parsed.errors,
      values: Object.fromEntries([...params.entries()].map(([k, v]) => [k, v.slice(0, 40)])),
    };
  const [outcomes, contacts, demo] = await Promise.all([
    loadOutcomes(db, parsed.filters, opts),
    loadChannelContacts(db, parsed.filters, opts),
    db
      .selectFrom("accounts")
      .select("id")
      .where("external_ref", "like", `${DEMO_HISTORY_REF_PREFIX}%`)
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    status: "ok",
    view: outcomesView(outcomes, contacts, opts.locale),
    demoHistory: demo !== undefined,
  };
}

export function todayIn(timeZone: string, now = new Date()): string {
  return isoDateFromEpochDay(localEpochDay(now.getTime(), timeZone));
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * The outcome figures as CSV (one row per figure; amounts in minor units), for a staff member, audited
 * (`staff.exported_outcomes`, with the filters) before the file is returned.
 */
export async function outcomesCsv(
  db: Kysely<Database>,
  staff: { id: string },
  filters: OutcomeFilters,
  opts: { timeZone: string; now?: Date },
): Promise<string> {
  const [o, contacts] = await Promise.all([
    loadOutcomes(db, filters, opts),
    loadChannelContacts(db, filters, opts),
  ]);
  await appendAudit(db, {
    actorType: "staff",
    actorId: staff.id,
    action: "staff.exported_outcomes",
    subjectType: "outcomes",
    detail: { ...filters, timeZone: opts.timeZone },
  });
  const rows: unknown[][] = [["figure", "currency", "key", "numerator", "denominator", "value"]];
  for (const c of o.byCurrency) {
    rows.push(["collected_portal_minor", c.currency, "", "", "", c.portalMinor]);
    rows.push(["collected_offline_minor", c.currency, "", "", "", c.offlineMinor]);
    rows.push(["collected_total_minor", c.currency, "", "", "", c.totalMinor]);
    for (const k of ["texts", "segments", "calls", "visits"] as const)
      rows.push([k, c.currency, "", "", "", c[k]]);
  }
  for (const k of ["cure", "roll", "promiseKept", "planCompleted", "planBroken"] as const)
    rows.push([`${k}_rate`, "", "", o[k].numerator, o[k].denominator, percent(o[k]) ?? ""]);
  rows.push([
    "first_action_median_hours",
    "",
    "",
    o.firstAction.acted,
    o.firstAction.accounts,
    o.firstAction.medianHours ?? "",
  ]);
  for (const c of o.cohorts)
    for (const p of c.curve)
      rows.push([
        "liquidation_minor",
        c.currency,
        `${c.month}+${p.monthsSinceEntry}`,
        p.collectedMinor,
        c.placedMinor,
        c.accounts,
      ]);
  // Contacts by channel: one row per channel and outcome (`contacts_sms,,delivered,,,12`).
  for (const [channel, counts] of Object.entries(contacts))
    for (const [key, n] of Object.entries(counts)) rows.push([`contacts_${channel}`, "", key, "", "", n]);
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}
