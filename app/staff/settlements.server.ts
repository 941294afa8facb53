import type { Kysely } from "kysely";
import { OPEN_PLAN_STATUSES, type Database, type StaffRole } from "../../db/schema";
import { settlementAmount } from "../domain/settlement";
import { appendAudit } from "../platform/audit.server";
import { getAccountOverview } from "../borrower/overview.server";
import { endSettlement } from "../plans/settlement-lifecycle.server";
import { announceOffer, readSettlement, type SettlementView } from "../plans/settlements.server";

/**
 * Settlements in the console (docs/product-rules.md §7.10): a staff proposal for an account outside the
 * bands, decided by someone else (approved: the borrower sees it like a band offer; rejected), a
 * withdrawal, and the panel on the borrower page. Every step is audited.
 */
type Db = Kysely<Database>;
interface Staff {
  id: string;
  role: StaffRole;
}

export interface ProposalInput {
  accountId: string;
  discountBp: number;
  paymentCount: number;
  windowDays: number;
  validityDays: number;
  reason: string;
}

export type ProposeOutcome =
  | { status: "proposed"; settlementId: string }
  | { status: "not_found" }
  | { status: "refused"; problem: "account_open" | "nothing_owed" | "too_few" };

export async function proposeSettlement(
  db: Db,
  input: { staff: Staff; borrowerId: string; proposal: ProposalInput; now?: Date },
): Promise<ProposeOutcome> {
  const now = input.now ?? new Date();
  const p = input.proposal;
  const scope = { borrowerId: input.borrowerId, accountId: p.accountId };
  const exists = await db
    .selectFrom("accounts")
    .select("id")
    .where("id", "=", p.accountId)
    .where("borrower_id", "=", input.borrowerId)
    .executeTakeFirst();
  if (!exists) return { status: "not_found" };
  const overview = await getAccountOverview(db, scope);
  if (overview.balanceMinor <= 0) return { status: "refused", problem: "nothing_owed" };
  const agreedMinor = settlementAmount(overview.balanceMinor, p.discountBp);
  if (agreedMinor < p.paymentCount) return { status: "refused", problem: "too_few" };
  return db.transaction().execute(async (trx): Promise<ProposeOutcome> => {
    const plan = await trx
      .selectFrom("instalment_plans")
      .select("id")
      .where("account_id", "=", p.accountId)
      .where("status", "in", OPEN_PLAN_STATUSES)
      .executeTakeFirst();
    if (plan) return { status: "refused", problem: "account_open" };
    const row = await trx
      .insertInto("settlements")
      .values({
        account_id: p.accountId,
        borrower_id: input.borrowerId,
        origin: "staff",
        status: "pending_approval",
        currency: overview.currency,
        balance_minor: overview.balanceMinor,
        discount_bp: p.discountBp,
        agreed_minor: agreedMinor,
        payment_counts: [p.paymentCount],
        window_days: p.windowDays,
        // Counted again from the approval; kept here so the approver sees what was asked for.
        expires_at: new Date(now.getTime() + p.validityDays * 86_400_000),
        proposed_by_staff_id: input.staff.id,
        proposal_reason: p.reason,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column("account_id")
          .where("status", "in", ["pending_approval", "offered", "accepted"])
          .doNothing(),
      )
      .returning("id")
      .executeTakeFirst();
    if (!row) return { status: "refused", problem: "account_open" };
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: input.staff.id,
        action: "settlement.proposed",
        subjectType: "settlement",
        subjectId: row.id,
        borrowerId: input.borrowerId,
        detail: {
          accountId: p.accountId,
          agreedMinor,
          discountBp: p.discountBp,
          paymentCount: p.paymentCount,
        },
      },
      now,
    );
    return { status: "proposed", settlementId: row.id };
  });
}

export type DecideOutcome =
  | { status: "approved" | "rejected" | "withdrawn" }
  | { status: "not_found" }
  | { status: "refused"; problem: "own_proposal" | "not_pending" | "not_open" };

/** Approves or rejects a staff proposal; nobody decides one they proposed (also a CHECK in the table). */
export async function decideSettlement(
  db: Db,
  input: {
    staff: Staff;
    borrowerId: string;
    settlementId: string;
    approve: boolean;
    reason: string;
    now?: Date;
  },
): Promise<DecideOutcome> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<DecideOutcome> => {
    const s = await trx
      .selectFrom("settlements")
      .selectAll()
      .where("id", "=", input.settlementId)
      .where("borrower_id", "=", input.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!s) return { status: "not_found" };
    if (s.status !== "pending_approval") return { status: "refused", problem: "not_pending" };
    if (s.proposed_by_staff_id === input.staff.id) return { status: "refused", problem: "own_proposal" };
    const decided = { decided_by_staff_id: input.staff.id, decided_at: now, decision_reason: input.reason };
    if (!input.approve) {
      await trx.updateTable("settlements").set(decided).where("id", "=", s.id).execute();
      const actor = { type: "staff" as const, id: input.staff.id };
      await endSettlement(trx, s, { status: "rejected", reason: input.reason, actor }, now);
      return { status: "rejected" };
    }
    const validityMs = s.expires_at.getTime() - s.created_at.getTime();
    await trx
      .updateTable("settlements")
      .set({
        ...decided,
        status: "offered",
        expires_at: new Date(now.getTime() + validityMs),
        updated_at: now,
      })
      .where("id", "=", s.id)
      .execute();
    const offer = {
      id: s.id,
      borrowerId: s.borrower_id,
      accountId: s.account_id,
      agreedMinor: s.agreed_minor,
      currency: s.currency,
      discountBp: s.discount_bp,
      policyVersion: null,
    };
    await announceOffer(trx, offer, now, { type: "staff", id: input.staff.id });
    return { status: "approved" };
  });
}

/** Withdraws an offer or an accepted settlement not yet paid; the account goes back to the schedule. */
export async function withdrawSettlement(
  db: Db,
  input: { staff: Staff; borrowerId: string; settlementId: string; reason: string; now?: Date },
): Promise<DecideOutcome> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<DecideOutcome> => {
    const s = await trx
      .selectFrom("settlements")
      .select(["id", "account_id", "borrower_id", "status"])
      .where("id", "=", input.settlementId)
      .where("borrower_id", "=", input.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!s) return { status: "not_found" };
    if (s.status !== "offered" && s.status !== "accepted") return { status: "refused", problem: "not_open" };
    const actor = { type: "staff" as const, id: input.staff.id };
    await endSettlement(trx, s, { status: "withdrawn", reason: input.reason, actor }, now);
    return { status: "withdrawn" };
  });
}

export interface SettlementPanelRow extends SettlementView {
  accountRef: string;
  last4: string;
  proposedBy: string | null;
  proposalReason: string | null;
  proposedByStaffId: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
}

/** Every settlement on the borrower's accounts, newest first, for the panel (the caller audits the view). */
export async function settlementPanel(db: Db, borrowerId: string): Promise<SettlementPanelRow[]> {
  const rows = await db
    .selectFrom("settlements as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .leftJoin("staff_users as p", "p.id", "s.proposed_by_staff_id")
    .leftJoin("staff_users as d", "d.id", "s.decided_by_staff_id")
    .select([
      "s.id",
      "a.external_ref",
      "a.last4",
      "p.display_name as proposer",
      "s.proposal_reason",
      "s.proposed_by_staff_id",
      "d.display_name as decider",
      "s.decision_reason",
    ])
    .where("s.borrower_id", "=", borrowerId)
    .orderBy("s.created_at", "desc")
    .limit(50)
    .execute();
  return Promise.all(
    rows.map(async (r) => ({
      ...(await readSettlement(db, r.id)),
      accountRef: r.external_ref,
      last4: r.last4,
      proposedBy: r.proposer,
      proposalReason: r.proposal_reason,
      proposedByStaffId: r.proposed_by_staff_id,
      decidedBy: r.decider,
      decisionReason: r.decision_reason,
    })),
  );
}
