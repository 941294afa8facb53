import type { Kysely } from "kysely";
import type { AccountStatusKind, Database } from "../../db/schema";
import { borrowerStatusHistory } from "../borrower/account-statuses.server";
import { formatStaffDateTime } from "./format";

/** One status as the borrower page lists it (docs/product-rules.md §4.18), times in the staff member's zone. */
export interface StatusPanelRow {
  id: string;
  kind: AccountStatusKind;
  accountLast4: string | null;
  reason: string;
  source: string;
  setBy: string;
  since: string;
  until: string | null;
  ended: { at: string; by: string; reason: string } | null;
  inForce: boolean;
}

export async function statusPanel(
  db: Kysely<Database>,
  opts: {
    borrowerId: string;
    accounts: ReadonlyArray<{ id: string; last4: string }>;
    locale: string;
    timeZone: string;
    now: Date;
  },
): Promise<StatusPanelRow[]> {
  const rows = await borrowerStatusHistory(db, opts.borrowerId, opts.now);
  const staffIds = [
    ...new Set(
      rows
        .flatMap((r) => [r.setBy, r.endedBy ?? ""])
        .filter((w) => w.startsWith("staff:"))
        .map((w) => w.slice(6)),
    ),
  ];
  const staff = staffIds.length
    ? await db.selectFrom("staff_users").select(["id", "display_name"]).where("id", "in", staffIds).execute()
    : [];
  const names = new Map(staff.map((s) => [`staff:${s.id}`, s.display_name]));
  const who = (w: string) => names.get(w) ?? w;
  const when = (d: Date) => formatStaffDateTime(d, opts.locale, opts.timeZone);
  const last4 = new Map(opts.accounts.map((a) => [a.id, a.last4]));
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    accountLast4: r.accountId ? (last4.get(r.accountId) ?? null) : null,
    reason: r.reason,
    source: r.source,
    setBy: who(r.setBy),
    since: when(r.startsAt),
    until: r.endsAt ? when(r.endsAt) : null,
    ended: r.endedAt ? { at: when(r.endedAt), by: who(r.endedBy ?? ""), reason: r.endReason ?? "" } : null,
    inForce: r.inForce,
  }));
}
