import type { StaffRole } from "../../db/schema";

/**
 * Who may do what in the staff console: ONE table, keyed by route file name
 * (app/routes/<key>.tsx). Every staff loader and action asks requireStaff()
 * with the roles listed here, and tests/staff/rbac.test.ts calls every route
 * as every role against this table; a route file without an entry fails it.
 */
export const STAFF_ROLES = [
  "agent",
  "approver",
  "supervisor",
  "admin",
] as const satisfies readonly StaffRole[];

const ALL: readonly StaffRole[] = STAFF_ROLES;
/** Case work on a borrower (calls, tasks, flags, acting for them): not the approvers, who decide plans. */
const CASEWORK: readonly StaffRole[] = ["agent", "supervisor", "admin"];
const ADMIN: readonly StaffRole[] = ["admin"];
/** Who decides instalment plans (docs/product-rules.md §7.5; decidePlan checks the same roles). */
const PLAN_DECIDERS: readonly StaffRole[] = ["approver", "supervisor", "admin"];
/** Who tunes the schedule and watches outcomes: policy, templates, dashboard. */
const TUNERS: readonly StaffRole[] = ["supervisor", "admin"];

/** An action without an `intent` field uses this key. */
export const DEFAULT_INTENT = "default";

export type RouteAccess =
  /** Anyone (the login page). */
  | { kind: "public" }
  /** Only a browser half-way through signing in (password accepted, second step due). */
  | { kind: "pending" }
  /** A signed-in staff member with one of these roles; actions per intent. */
  | { kind: "staff"; loader?: readonly StaffRole[]; action?: Readonly<Record<string, readonly StaffRole[]>> };

export const STAFF_ROUTE_ACCESS = {
  "staff_.login": { kind: "public" },
  "staff_.two-factor": { kind: "pending" },
  "staff_.setup": { kind: "pending" },
  // An invited member's set-up link: the token is the credential (app/staff/staff-invites.server.ts).
  "staff_.invite": { kind: "public" },
  staff: { kind: "staff", loader: ALL },
  "staff._index": { kind: "staff", loader: ALL },
  "staff.queues": { kind: "staff", loader: ALL },
  "staff.borrowers._index": { kind: "staff", loader: ALL },
  "staff.borrowers.$borrowerId": {
    kind: "staff",
    loader: ALL,
    action: {
      add_note: ALL,
      log_call: CASEWORK,
      resolve_task: CASEWORK,
      set_wrong_number: CASEWORK,
      clear_wrong_number: CASEWORK,
      set_dispute: CASEWORK,
      clear_dispute: CASEWORK,
      // Visits and whose the phone is (docs/product-rules.md §4.19, §4.20): case work, like calls.
      log_visit: CASEWORK,
      set_phone_owner: CASEWORK,
      refuse_visits: CASEWORK,
      allow_visits: CASEWORK,
      // Account statuses (docs/product-rules.md §4.18): whoever talks to borrowers records what they report.
      set_status: CASEWORK,
      end_status: CASEWORK,
      // Acting for the borrower: the people who talk to borrowers. Whoever enters a plan for a borrower
      // never decides it (four-eyes in decidePlan), even a supervisor or admin who may decide others.
      make_promise: CASEWORK,
      propose_plan: CASEWORK,
      update_preferences: CASEWORK,
      record_opt_out: CASEWORK,
      book_callback: CASEWORK,
      send_link: CASEWORK,
      send_payment_link: CASEWORK,
    },
  },
  // Settlements (docs/product-rules.md §7.10): case workers propose, plan deciders decide (never their own).
  "staff.borrowers.$borrowerId_.settlements": {
    kind: "staff",
    loader: ALL,
    action: { propose: CASEWORK, approve: PLAN_DECIDERS, reject: PLAN_DECIDERS, withdraw: TUNERS },
  },
  "staff.settlement-policy": { kind: "staff", loader: TUNERS, action: { save: TUNERS } },
  // Data rights (docs/product-rules.md §10.12): supervisors and admins export what is held about a
  // borrower; only admins erase one.
  "staff.borrowers.$borrowerId_.data": {
    kind: "staff",
    loader: TUNERS,
    action: { export: TUNERS, erase: ADMIN },
  },
  // Worklists: anyone claims and releases their own work (approvers take plan reviews); supervisors and
  // admins assign anyone's to any active member (app/staff/worklist.server.ts).
  "staff.work": {
    kind: "staff",
    loader: ALL,
    action: { claim: ALL, release: ALL, assign: TUNERS },
  },
  // Cases (hardship, complaints): whoever does case work moves them; acting claims an unowned case.
  "staff.cases.$caseId": {
    kind: "staff",
    loader: ALL,
    action: {
      acknowledge: CASEWORK,
      await_borrower: CASEWORK,
      resume: CASEWORK,
      resolve: CASEWORK,
      reject: CASEWORK,
      add_case_note: CASEWORK,
      grant_pause: CASEWORK,
    },
  },
  "staff.audit": { kind: "staff", loader: ADMIN },
  "staff.users": {
    kind: "staff",
    loader: ADMIN,
    action: {
      revoke_sessions: ADMIN,
      invite: ADMIN,
      disable: ADMIN,
      enable: ADMIN,
      change_role: ADMIN,
      reset_2fa: ADMIN,
    },
  },
  "staff.sign-out": { kind: "staff", loader: ALL, action: { [DEFAULT_INTENT]: ALL } },
  "staff.approvals._index": { kind: "staff", loader: PLAN_DECIDERS },
  "staff.approvals.$planId": {
    kind: "staff",
    loader: PLAN_DECIDERS,
    action: { approve: PLAN_DECIDERS, reject: PLAN_DECIDERS, counter: PLAN_DECIDERS },
  },
  "staff.policy": { kind: "staff", loader: TUNERS, action: { save: TUNERS } },
  // Strategy experiments (docs/product-rules.md §4.21): the people who tune the policy run and promote them.
  "staff.experiments": {
    kind: "staff",
    loader: TUNERS,
    action: { start: TUNERS, stop: TUNERS, promote: TUNERS },
  },
  "staff.templates._index": { kind: "staff", loader: TUNERS, action: { add_variant: TUNERS } },
  "staff.templates.edit": { kind: "staff", loader: TUNERS, action: { preview: TUNERS, save: TUNERS } },
  "staff.dashboard": { kind: "staff", loader: TUNERS },
  "staff.outcomes[.]csv": { kind: "staff", loader: TUNERS },
  // Money in and out by day (docs/product-rules.md §6.8): the people who watch outcomes and run the console.
  "staff.reconciliation": { kind: "staff", loader: TUNERS, action: { run: TUNERS } },
  "staff.reconciliation[.]csv": { kind: "staff", loader: TUNERS },
  "staff.webhooks": { kind: "staff", loader: ADMIN, action: { redeliver: ADMIN } },
  "staff.api-keys": { kind: "staff", loader: ADMIN, action: { create: ADMIN, revoke: ADMIN } },
  // The outbox shows live links and replies as the phone (app/staff/dev-outbox.server.ts).
  "staff_.outbox": { kind: "staff", loader: ADMIN, action: { [DEFAULT_INTENT]: ADMIN } },
  // The development mailbox shows addresses and live links (app/staff/dev-mailbox.server.ts).
  "staff_.mailbox": { kind: "staff", loader: ADMIN },
} as const satisfies Record<string, RouteAccess>;

type StaffRouteKey = keyof typeof STAFF_ROUTE_ACCESS;
type StaffOnly = {
  [K in StaffRouteKey]: (typeof STAFF_ROUTE_ACCESS)[K] extends { kind: "staff" } ? K : never;
}[StaffRouteKey];

function entry(route: StaffOnly): Extract<RouteAccess, { kind: "staff" }> {
  return STAFF_ROUTE_ACCESS[route] as Extract<RouteAccess, { kind: "staff" }>;
}

export function loaderRoles(route: StaffOnly): readonly StaffRole[] {
  return entry(route).loader ?? [];
}

/** Roles for one intent, or for any intent of the route when none is given (the first gate of an action). */
export function actionRoles(route: StaffOnly, intent?: string): readonly StaffRole[] {
  const actions = entry(route).action ?? {};
  if (intent !== undefined)
    return Object.prototype.hasOwnProperty.call(actions, intent) ? (actions[intent] ?? []) : [];
  return STAFF_ROLES.filter((role) => Object.values(actions).some((roles) => roles.includes(role)));
}

export function mayOpen(role: StaffRole, route: StaffOnly): boolean {
  return loaderRoles(route).includes(role);
}

export function mayDo(role: StaffRole, route: StaffOnly, intent: string): boolean {
  return actionRoles(route, intent).includes(role);
}
