import { Counter, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus metrics. Features count what happened here (after their transaction
 * committed); app/server/metrics.server.ts adds the gauges read at scrape time (job queue, pools, the
 * process) and serves them on METRICS_PORT, never on the public port (docs/operations.md). Its own
 * registry, not prom-client's global one, so a second copy of this module (a test's Vite graph) cannot
 * collide with the first.
 */
export const metrics = new Registry();

const requestDuration = new Histogram({
  name: "settle_http_request_duration_seconds",
  help: "HTTP requests by route pattern, method and status: latency, and their rate from _count",
  labelNames: ["route", "method", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

const smsOutcomes = new Counter({
  name: "settle_sms_total",
  help: "Texts by provider and outcome: the dispatcher's (sent, failed, cancelled, rescheduled, retry) and delivery receipts (delivered, undelivered, failed)",
  labelNames: ["provider", "stage", "status"] as const,
  registers: [metrics],
});

const payments = new Counter({
  name: "settle_payments_total",
  help: "Payment status changes by source (portal, offline) and the status reached",
  labelNames: ["source", "status"] as const,
  registers: [metrics],
});

const stripeEvents = new Counter({
  name: "settle_stripe_webhook_events_total",
  help: "Stripe webhook deliveries by event type and result (a 400 result: signature or payload refused)",
  labelNames: ["type", "result"] as const,
  registers: [metrics],
});

const decisions = new Counter({
  name: "settle_schedule_decisions_total",
  help: "The planner's decisions by reason (schedule:run jobs)",
  labelNames: ["reason"] as const,
  registers: [metrics],
});

const jobs = new Histogram({
  name: "settle_job_duration_seconds",
  help: "Jobs this worker ran, by task and result (ok, error)",
  labelNames: ["task", "result"] as const,
  buckets: [0.01, 0.05, 0.25, 1, 5, 30, 120, 600],
  registers: [metrics],
});

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** One answered request; `route` is its route pattern (/r/:code), never its path. */
export function observeRequest(route: string, method: string, status: number, seconds: number): void {
  requestDuration.observe(
    { route, method: METHODS.has(method) ? method : "other", status: String(status) },
    seconds,
  );
}

/** Texts' outcomes, counted once their transaction committed. */
export function countSms(provider: string, stage: "send" | "receipt", statuses: readonly string[]): void {
  for (const status of statuses) smsOutcomes.inc({ provider, stage, status });
}

export function countPayment(source: string, status: string): void {
  payments.inc({ source, status });
}

export function countStripeEvent(type: string, result: string): void {
  stripeEvents.inc({ type, result });
}

export function countDecisions(byReason: Record<string, number>): void {
  for (const [reason, n] of Object.entries(byReason)) decisions.inc({ reason }, n);
}

export function observeJob(task: string, result: "ok" | "error", seconds: number): void {
  jobs.observe({ task, result }, seconds);
}
