import { z } from "zod";
/**
 * "Why has this person not had a text since Tuesday?": the schedule stores a
 * decision with a reason code on every run (contact_decisions; a repeat of the
 * latest one is counted on that row); this sums up
 * what it decided since the last text actually went out. Pure.
 */
export interface DecisionRow {
  /** ISO instant of the latest run that reached this decision. */
  at: string;
  action: "send" | "defer" | "suppress";
  reason: string;
  /** The channel the decision is about (sms, email, call, visit; `phone` in older rows); null for none. */
  channel?: string | null;
  /** Runs that reached it in a row (one stored row counts them); 1 when absent. */
  repeats?: number;
}

interface SilenceReason {
  action: "defer" | "suppress";
  reason: string;
  /** One reason on two channels (a text deferred, a call capped) is two lines: the agent sees which. */
  channel: string | null;
  count: number;
  /** ISO instant of the latest decision with this reason. */
  latestAt: string;
}

export interface SilenceSummary {
  /** ISO instant of the last text sent, or null if none ever was. */
  lastSentAt: string | null;
  /** Reasons the schedule held back since then, most recent first. */
  reasons: SilenceReason[];
}

export function summariseSilence(
  lastSentAt: string | null,
  decisions: readonly DecisionRow[],
): SilenceSummary {
  const since = lastSentAt ? Date.parse(lastSentAt) : -Infinity;
  const byReason = new Map<string, SilenceReason>();
  for (const d of decisions) {
    if (d.action === "send" || Date.parse(d.at) <= since) continue;
    const channel = d.channel ?? null;
    const key = `${d.action}:${d.reason}:${channel ?? ""}`;
    const seen = byReason.get(key);
    const runs = d.repeats ?? 1;
    if (!seen)
      byReason.set(key, { action: d.action, reason: d.reason, channel, count: runs, latestAt: d.at });
    else {
      seen.count += runs;
      if (Date.parse(d.at) > Date.parse(seen.latestAt)) seen.latestAt = d.at;
    }
  }
  const reasons = [...byReason.values()].sort((a, b) => Date.parse(b.latestAt) - Date.parse(a.latestAt));
  return { lastSentAt, reasons };
}

const sendTimeDetail = z.object({
  sendTime: z.object({
    hour: z.number().int().min(0).max(23),
    why: z.enum(["learned", "exploring", "prior"]),
    evidence: z.object({
      sent: z.number(),
      acted: z.number(),
      segmentSent: z.number(),
      segmentActed: z.number(),
    }),
  }),
});

export type SendTimeLine = { hour: string; why: "learned" | "exploring" | "prior" } & z.infer<
  typeof sendTimeDetail
>["sendTime"]["evidence"];

/**
 * The learned send hour a decision carries (docs/product-rules.md §4.13), for the agent's "why" line;
 * null for every other decision, and for a detail that does not have the shape (it is stored JSON).
 */
export function sendTimeLine(detail: unknown): SendTimeLine | null {
  const parsed = sendTimeDetail.safeParse(detail);
  if (!parsed.success) return null;
  const { hour, why, evidence } = parsed.data.sendTime;
  return { hour: `${String(hour).padStart(2, "0")}:00`, why, ...evidence };
}
