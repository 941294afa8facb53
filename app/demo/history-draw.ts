import type { CallOutcome, Jurisdiction, Locale, Product } from "../../db/schema";
import { DEMO_HISTORY_REF_PREFIX } from "../staff/outcomes-view.server";

/**
 * The demo book's past (issue #23 item 5): a deterministic 60-day story for a few hundred synthetic
 * borrowers, drawn from a seeded PRNG, so that the dashboard and its outcome figures show something
 * real-looking on a fresh `npm run dev`. Pure: it returns rows keyed by external references, and
 * history.server.ts inserts them set-based. Every reference starts with `DEMO-HIST-`.
 */
const HISTORY_DAYS = 60;
export const HISTORY_BORROWERS = 300;
export const HISTORY_SEED = 20_261_206;
export const HISTORY_REF_PREFIX = DEMO_HISTORY_REF_PREFIX;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed draws the same book. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rng = () => number;
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
function weighted<T>(rng: Rng, choices: ReadonlyArray<readonly [T, number]>): T {
  let r = rng() * choices.reduce((s, [, w]) => s + w, 0);
  for (const [value, w] of choices) if ((r -= w) < 0) return value;
  return choices[choices.length - 1]![0];
}

interface HistoryBorrower {
  ref: string;
  fullName: string;
  phone: string;
  locale: Locale;
  timeZone: string;
  jurisdiction: Jurisdiction;
}
interface HistoryAccount {
  ref: string;
  borrowerRef: string;
  product: Product;
  currency: string;
  balanceMinor: number;
  overdueMinor: number;
  dpd: number;
  dueDate: string | null;
  status: "current" | "delinquent";
}
interface HistoryMessage {
  key: string;
  accountRef: string;
  stage: string;
  variant: string;
  locale: Locale;
  segments: number;
  phone: string;
  sentAt: Date;
  delivered: boolean;
  openedAt: Date | null;
  /** A successful verification on the message's link, at this time. */
  verifiedAt: Date | null;
}
interface HistoryPayment {
  key: string;
  accountRef: string;
  amountMinor: number;
  currency: string;
  source: "portal" | "offline_branch" | "offline_transfer";
  at: Date;
}
interface HistoryPromise {
  accountRef: string;
  amountMinor: number;
  currency: string;
  promisedDate: string;
  status: "active" | "kept" | "broken";
  createdAt: Date;
  resolvedAt: Date | null;
}
interface HistoryPlan {
  accountRef: string;
  totalMinor: number;
  currency: string;
  status: "active" | "completed" | "broken";
  createdAt: Date;
  updatedAt: Date;
  instalments: Array<{ dueDate: string; amountMinor: number; status: "due" | "paid" | "missed" }>;
}
interface HistoryCall {
  accountRef: string;
  outcome: CallOutcome;
  at: Date;
}
export interface HistoryBook {
  borrowers: HistoryBorrower[];
  accounts: HistoryAccount[];
  messages: HistoryMessage[];
  payments: HistoryPayment[];
  promises: HistoryPromise[];
  plans: HistoryPlan[];
  calls: HistoryCall[];
}

const PLACES: ReadonlyArray<
  readonly [
    { jurisdiction: Jurisdiction; timeZone: string; currency: string; phone: string; digits: number },
    number,
  ]
> = [
  [{ jurisdiction: "HK", timeZone: "Asia/Hong_Kong", currency: "HKD", phone: "+8525500", digits: 4 }, 45],
  [{ jurisdiction: "CN", timeZone: "Asia/Shanghai", currency: "CNY", phone: "+861390000", digits: 4 }, 30],
  [{ jurisdiction: "UK", timeZone: "Europe/London", currency: "GBP", phone: "+447700900", digits: 3 }, 15],
  [{ jurisdiction: "US", timeZone: "America/New_York", currency: "USD", phone: "+1202555", digits: 4 }, 10],
];
const NAMES: Record<Locale, readonly string[]> = {
  "zh-HK": ["陳志明", "黃美玲", "李家豪", "張詠欣", "劉偉強", "林嘉儀"],
  "zh-CN": ["王伟", "李娜", "张磊", "赵敏", "陈静", "杨帆"],
  en: ["Alex Chan", "Sam Wong", "Jordan Lee", "Taylor Smith", "Morgan Brown", "Casey Ho"],
};
const PRODUCTS = [
  ["credit_card", 50],
  ["personal_loan", 30],
  ["auto_loan", 15],
  ["mortgage", 5],
] as const;
type Outcome =
  | "portal"
  | "offline"
  | "promise_kept"
  | "promise_broken"
  | "plan_completed"
  | "plan_active"
  | "plan_broken"
  | "none";
const OUTCOMES: ReadonlyArray<readonly [Outcome, number]> = [
  ["portal", 22],
  ["offline", 10],
  ["promise_kept", 10],
  ["promise_broken", 7],
  ["plan_completed", 5],
  ["plan_active", 6],
  ["plan_broken", 5],
  ["none", 35],
];

/** The reminder stage of an account this many days past due (the default policy's bounds). */
function stageForDpd(dpd: number): "early" | "mid" | "late" | "serious" {
  if (dpd < 7) return "early";
  if (dpd < 30) return "mid";
  if (dpd < 60) return "late";
  return "serious";
}
const CADENCE_DAYS: Record<string, number> = { early: 3, mid: 5, late: 7, serious: 7 };
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Draws the whole history at `now`: same seed and same `now`, same rows. */
export function drawHistory(now: Date, seed = HISTORY_SEED, count = HISTORY_BORROWERS): HistoryBook {
  const rng = seededRandom(seed);
  const book: HistoryBook = {
    borrowers: [],
    accounts: [],
    messages: [],
    payments: [],
    promises: [],
    plans: [],
    calls: [],
  };
  for (let i = 1; i <= count; i++) drawAccount(rng, book, i, now.getTime());
  return book;
}

function drawAccount(rng: Rng, book: HistoryBook, i: number, now: number) {
  const place = weighted(rng, PLACES);
  const locale: Locale =
    place.jurisdiction === "HK"
      ? rng() < 0.7
        ? "zh-HK"
        : "en"
      : place.jurisdiction === "CN"
        ? "zh-CN"
        : "en";
  const ref = `${HISTORY_REF_PREFIX}${String(i).padStart(4, "0")}`;
  const phone = place.phone + String(i).padStart(place.digits, "0");
  const names = NAMES[locale];
  book.borrowers.push({
    ref,
    fullName: names[between(rng, 0, names.length - 1)]!,
    phone,
    locale,
    timeZone: place.timeZone,
    jurisdiction: place.jurisdiction,
  });
  const story: Story = {
    rng,
    book,
    now,
    accountRef: `${ref}-A`,
    currency: place.currency,
    locale,
    phone,
    overdueMinor: between(rng, 10, 300) * 10_000,
    start: now - between(rng, 3, HISTORY_DAYS - 1) * DAY - between(rng, 0, 8) * HOUR,
    entryDpd: weighted(rng, [
      [between(rng, 1, 6), 45],
      [between(rng, 7, 29), 30],
      [between(rng, 30, 59), 15],
      [between(rng, 60, 120), 10],
    ]),
    variant: rng() < 0.5 ? "A" : "B",
  };
  const cured = tellStory(story, weighted(rng, OUTCOMES));
  const dpd = story.entryDpd + Math.floor((now - story.start) / DAY);
  book.accounts.push({
    ref: story.accountRef,
    borrowerRef: ref,
    product: weighted(rng, PRODUCTS),
    currency: place.currency,
    balanceMinor: story.overdueMinor * between(rng, 2, 12),
    overdueMinor: cured ? 0 : story.overdueMinor,
    dpd: cured ? 0 : dpd,
    dueDate: cured ? null : isoDay(now - dpd * DAY),
    status: cured ? "current" : "delinquent",
  });
}

interface Story {
  rng: Rng;
  book: HistoryBook;
  now: number;
  accountRef: string;
  currency: string;
  locale: Locale;
  phone: string;
  overdueMinor: number;
  start: number;
  entryDpd: number;
  variant: string;
}

/**
 * Reminders from the start on the stage's cadence until the borrower acts (after one of their first
 * few texts) or today; a broken promise or plan resumes them. Returns whether the arrears were cured.
 */
function tellStory(s: Story, outcome: Outcome): boolean {
  const actAfter = outcome === "none" ? Infinity : between(s.rng, 0, 2);
  let t = s.start;
  let n = 0;
  let cured = false;
  while (t < s.now) {
    const stage = stageForDpd(s.entryDpd + Math.floor((t - s.start) / DAY));
    const acting = n === actAfter && !cured;
    const actAt = t + between(s.rng, 1, 36) * HOUR;
    sendReminder(s, n, t, stage, acting && actAt < s.now ? actAt : null);
    if (stage === "late" || stage === "serious") callAfter(s, t);
    n += 1;
    let next = t + CADENCE_DAYS[stage]! * DAY;
    if (acting && actAt < s.now) {
      const result = act(s, outcome, actAt, n);
      if (result.cured) return true;
      if (result.resumeAt === null) return false;
      next = Math.max(next, result.resumeAt);
      cured = false;
    }
    t = next;
  }
  return cured;
}

function sendReminder(s: Story, n: number, at: number, stage: string, actAt: number | null) {
  const delivered = actAt !== null || s.rng() < 0.93;
  const opened = actAt !== null || (delivered && s.rng() < 0.3);
  const openedAt = actAt !== null ? actAt - 10 * 60_000 : opened ? at + between(s.rng, 1, 30) * HOUR : null;
  const verified = actAt !== null || (opened && s.rng() < 0.4);
  s.book.messages.push({
    key: `${s.accountRef}:${n}`,
    accountRef: s.accountRef,
    stage,
    variant: s.variant,
    locale: s.locale,
    segments: s.locale === "en" ? 1 : 2,
    phone: s.phone,
    sentAt: new Date(at),
    delivered,
    openedAt: openedAt === null || openedAt >= s.now ? null : new Date(openedAt),
    verifiedAt:
      verified && openedAt !== null && openedAt + 120_000 < s.now ? new Date(openedAt + 120_000) : null,
  });
}

function callAfter(s: Story, textAt: number) {
  const at = textAt + between(s.rng, 20, 50) * HOUR;
  if (at >= s.now) return;
  const outcome = weighted<CallOutcome>(s.rng, [
    ["no_answer", 50],
    ["connected", 25],
    ["voicemail", 15],
    ["busy", 10],
  ]);
  s.book.calls.push({ accountRef: s.accountRef, outcome, at: new Date(at) });
}

function pay(s: Story, key: string, amountMinor: number, at: number, source: HistoryPayment["source"]) {
  s.book.payments.push({
    key: `${s.accountRef}:${key}`,
    accountRef: s.accountRef,
    amountMinor,
    currency: s.currency,
    source,
    at: new Date(at),
  });
}

/** What the borrower did at `at`: whether that cured the arrears, or when reminders resume (null: never). */
function act(s: Story, outcome: Outcome, at: number, n: number): { cured: boolean; resumeAt: number | null } {
  switch (outcome) {
    case "portal":
      pay(s, "portal", s.overdueMinor, at, "portal");
      return { cured: true, resumeAt: null };
    case "offline": {
      const paidAt = Math.min(at + DAY, s.now - HOUR);
      pay(s, "offline", s.overdueMinor, paidAt, s.rng() < 0.5 ? "offline_branch" : "offline_transfer");
      return { cured: true, resumeAt: null };
    }
    case "promise_kept":
    case "promise_broken":
      return promise(s, outcome === "promise_kept", at);
    case "plan_completed":
    case "plan_active":
    case "plan_broken":
      return plan(s, outcome, at, n);
    case "none":
      return { cured: false, resumeAt: at };
  }
}

function promise(s: Story, keep: boolean, at: number): { cured: boolean; resumeAt: number | null } {
  const due = at + between(s.rng, 3, 10) * DAY;
  const graceEnd = due + 2 * DAY;
  const settled = keep ? due < s.now : graceEnd < s.now;
  s.book.promises.push({
    accountRef: s.accountRef,
    amountMinor: s.overdueMinor,
    currency: s.currency,
    promisedDate: isoDay(due),
    status: settled ? (keep ? "kept" : "broken") : "active",
    createdAt: new Date(at),
    resolvedAt: settled ? new Date(keep ? due : graceEnd) : null,
  });
  if (keep && settled) pay(s, "promise", s.overdueMinor, due, "portal");
  if (!settled) return { cured: false, resumeAt: null };
  return keep ? { cured: true, resumeAt: null } : { cured: false, resumeAt: graceEnd };
}

/** Three fortnightly instalments, the first a week after the plan; a broken plan misses its second. */
function plan(
  s: Story,
  outcome: Outcome,
  at: number,
  n: number,
): { cured: boolean; resumeAt: number | null } {
  const count = 3;
  const base = Math.floor(s.overdueMinor / count);
  const amounts = [base + (s.overdueMinor - base * count), base, base];
  const instalments: HistoryPlan["instalments"] = [];
  let status: HistoryPlan["status"] = "active";
  let updatedAt = at;
  for (const [k, amount] of amounts.entries()) {
    const due = at + (7 + 14 * k) * DAY;
    const misses = outcome === "plan_broken" && k === 1;
    const paid = !misses && due < s.now && (outcome !== "plan_broken" || k === 0);
    if (paid) pay(s, `instalment-${n}-${k + 1}`, amount, due, "portal");
    if (misses && due + 7 * DAY < s.now) {
      status = "broken";
      updatedAt = due + 7 * DAY;
    }
    instalments.push({
      dueDate: isoDay(due),
      amountMinor: amount,
      status: paid ? "paid" : misses && status === "broken" ? "missed" : "due",
    });
    if (paid) updatedAt = due;
  }
  if (instalments.every((x) => x.status === "paid")) status = "completed";
  s.book.plans.push({
    accountRef: s.accountRef,
    totalMinor: s.overdueMinor,
    currency: s.currency,
    status,
    createdAt: new Date(at),
    updatedAt: new Date(updatedAt),
    instalments,
  });
  if (status === "completed") return { cured: true, resumeAt: null };
  return { cured: false, resumeAt: status === "broken" ? updatedAt : null };
}
