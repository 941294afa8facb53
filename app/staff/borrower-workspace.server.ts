import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { actingFacts, type ActingFacts } from "./acting-facts.server";
import type { BorrowerActionResult } from "./borrower-actions.server";
import type { BorrowerAction } from "./borrower-forms";
import { viewBorrowerPage, type BorrowerPageView } from "./borrower-page.server";
import { formatStaffDateTime } from "./format";
import { nextContacts } from "./next-contact.server";
import { statusPanel, type StatusPanelRow } from "./status-panel.server";
import { mayDo, mayOpen } from "./permissions";
import { filterTimeline, parseTimelineFilters, type TimelineFilter } from "./timeline";
import type { StaffIdentity } from "./session.server";

/**
 * The borrower page as its route serves it: the view (audited), what this staff member's role may do
 * there, the choices of the forms that act for the borrower, and the notice of the action just taken.
 */
const ROUTE = "staff.borrowers.$borrowerId";

export interface BorrowerWorkspace extends BorrowerPageView {
  can: {
    note: boolean;
    call: boolean;
    resolveTask: boolean;
    flags: boolean;
    act: boolean;
    dataRights: boolean;
    statuses: boolean;
  };
  /** The borrower's statuses, newest first (docs/product-rules.md §4.18). */
  statuses: StatusPanelRow[];
  /** Null when the role may not act for the borrower, or the borrower has no account. */
  acting: ActingFacts | null;
  done: string | null;
  /** The account a call just ended in a promise on: the promise form opens on it. */
  promiseFor: string | null;
  /** The timeline's filters as the query string chose them (none: everything), and each filter's count. */
  timelineFilters: { shown: TimelineFilter[]; counts: Record<TimelineFilter, number> };
  /** Per account, what the planner would decide now (docs/product-rules.md §8.4). */
  nextContact: Array<{
    accountLast4: string;
    action: string;
    reason: string;
    channel: string | null;
    at: string | null;
  }>;
}

export async function borrowerWorkspace(
  db: Kysely<Database>,
  opts: { borrowerId: string; staff: StaffIdentity; locale: string; timeZone: string; url: URL; now?: Date },
): Promise<BorrowerWorkspace | null> {
  const view = await viewBorrowerPage(db, opts);
  if (!view) return null;
  const role = opts.staff.role;
  const can = {
    note: mayDo(role, ROUTE, "add_note"),
    call: mayDo(role, ROUTE, "log_call"),
    resolveTask: mayDo(role, ROUTE, "resolve_task"),
    flags: mayDo(role, ROUTE, "set_wrong_number") && mayDo(role, ROUTE, "set_dispute"),
    dataRights: mayOpen(role, "staff.borrowers.$borrowerId_.data"),
    act: mayDo(role, ROUTE, "make_promise"),
    statuses: mayDo(role, ROUTE, "set_status"),
  };
  const first = view.accounts[0];
  const acting =
    can.act && first
      ? await actingFacts(db, {
          borrowerId: view.borrower.id,
          accountId: first.id,
          timeZone: view.borrower.timeZone,
          locale: opts.locale,
          now: opts.now ?? new Date(),
        })
      : null;
  const done = opts.url.searchParams.get("done");
  const promiseFor = opts.url.searchParams.get("promiseFor");
  const shown = parseTimelineFilters(opts.url.searchParams.getAll("show"));
  const filtered = filterTimeline(view.timeline, shown);
  const last4 = new Map(view.accounts.map((a) => [a.id, a.last4]));
  const next = await nextContacts(
    db,
    view.accounts.map((a) => a.id),
    opts.now ?? new Date(),
  );
  const statuses = await statusPanel(db, {
    borrowerId: view.borrower.id,
    accounts: view.accounts,
    locale: opts.locale,
    timeZone: opts.timeZone,
    now: opts.now ?? new Date(),
  });
  return {
    ...view,
    statuses,
    timeline: filtered.entries,
    timelineFilters: { shown, counts: filtered.counts },
    nextContact: next.map((n) => ({
      accountLast4: last4.get(n.accountId) ?? "",
      action: n.action,
      reason: n.reason,
      channel: n.channel,
      at: n.at && formatStaffDateTime(n.at, opts.locale, opts.timeZone),
    })),
    can,
    acting,
    done: done && /^[a-z_]{1,30}$/.test(done) ? done : null,
    promiseFor: view.accounts.some((a) => a.id === promiseFor) ? promiseFor : null,
  };
}

/**
 * Where the page goes after an action: back to itself with the action's notice; after a call that
 * ended in a promise, to the promise form on that call's account, for the agent to record its terms.
 */
export function pageAfterAction(
  borrowerId: string,
  action: BorrowerAction,
  outcome: Extract<BorrowerActionResult, { status: "ok" }>,
): string {
  const page = `/staff/borrowers/${borrowerId}?done=${outcome.done ?? action.intent}`;
  if (action.intent === "log_call" && action.outcome === "promise_made" && action.accountId)
    return `${page}&promiseFor=${action.accountId}#make-promise-title`;
  // A visit that ended in a promise: the promise form on the visit's account.
  if (outcome.promiseFor) return `${page}&promiseFor=${outcome.promiseFor}#make-promise-title`;
  return page;
}
