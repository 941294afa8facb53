import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import {
  appointmentSlots,
  findSlot,
  formatSlotForSms,
  type AppointmentSlot,
} from "../domain/appointment-slots";
import type { BorrowerSession } from "./session.server";
import type { QueueSmsResult } from "../messaging/outbound-sms.server";
import { announceBorrowerAction, sessionAccount, smsLocale, type SessionScope } from "./action-scope.server";

/**
 * Call back / branch visit (docs/product-rules.md §5.5): the borrower picks one of the slots
 * we offer on their own clock, and an agent gets a `callback` or `visit` task
 * for that hour. Booking the same slot twice (a double submit) is one task.
 */

export type AppointmentKind = "callback" | "visit";

export async function appointmentPageFacts(db: Kysely<Database>, session: SessionScope, now = new Date()) {
  const account = await sessionAccount(db, session);
  return { timeZone: account.time_zone, slots: appointmentSlots(now, account.time_zone) };
}

export type BookAppointmentResult =
  | { status: "booked" | "already_booked"; taskId: string; sms: QueueSmsResult | null }
  | { status: "slot_unavailable" };

export async function bookAppointment(
  db: Kysely<Database>,
  session: SessionScope,
  input: { kind: AppointmentKind; slotStart: string; note?: string | null },
  now = new Date(),
): Promise<BookAppointmentResult> {
  return db.transaction().execute(async (trx) => {
    const account = await sessionAccount(trx, session);
    // Re-derived here, so only a slot we would offer right now can be booked.
    const slot = findSlot(appointmentSlots(now, account.time_zone), input.slotStart);
    if (!slot) return { status: "slot_unavailable" as const };
    const dedupeKey = `appointment:${session.accountId}:${slot.start}`;
    const inserted = await trx
      .insertInto("tasks")
      .values({
        kind: input.kind,
        borrower_id: session.borrowerId,
        account_id: session.accountId,
        status: "open",
        due_at: slot.start,
        slot_start: slot.start,
        slot_end: slot.end,
        source_type: "appointment_request",
        dedupe_key: dedupeKey,
        borrower_note: input.note?.trim() ? input.note.trim() : null,
        created_at: now,
      })
      .onConflict((oc) => oc.column("dedupe_key").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom("tasks")
        .select("id")
        .where("dedupe_key", "=", dedupeKey)
        .where("borrower_id", "=", session.borrowerId)
        .executeTakeFirstOrThrow();
      return { status: "already_booked" as const, taskId: existing.id, sms: null };
    }
    const sms = await announceAppointment(trx, session, { account, slot, input, taskId: inserted.id, now });
    return { status: "booked" as const, taskId: inserted.id, sms };
  });
}

/** The audit event, the bank event and the borrower's confirmation text of a new booking. */
async function announceAppointment(
  trx: Transaction<Database>,
  session: SessionScope,
  opts: {
    account: Awaited<ReturnType<typeof sessionAccount>>;
    slot: AppointmentSlot;
    input: { kind: AppointmentKind; note?: string | null };
    taskId: string;
    now: Date;
  },
): Promise<QueueSmsResult> {
  const { account, slot, input, taskId, now } = opts;
  const facts = {
    taskId,
    kind: input.kind,
    slotStart: slot.start,
    slotEnd: slot.end,
    timeZone: account.time_zone,
  };
  return announceBorrowerAction(trx, session, {
    action: "appointment.requested",
    subjectType: "task",
    subjectId: taskId,
    facts,
    auditDetail: { hasNote: Boolean(input.note?.trim()) },
    bankPayload: { accountRef: account.external_ref },
    confirmation: {
      templateKey: "confirmation.callback_booked",
      vars: { slot: formatSlotForSms(slot, account.time_zone, smsLocale(account)) },
      dedupeKey: `confirmation:appointment:${taskId}`,
    },
    now,
  });
}

/** The appointment the confirmation page describes: the latest the borrower booked for this account. */
export async function latestAppointment(db: Kysely<Database>, session: BorrowerSession) {
  const row = await db
    .selectFrom("tasks as t")
    .innerJoin("borrowers as b", "b.id", "t.borrower_id")
    .select(["t.kind", "t.slot_start", "t.slot_end", "b.time_zone"])
    .where("t.borrower_id", "=", session.borrowerId)
    .where("t.account_id", "=", session.accountId)
    .where("t.source_type", "=", "appointment_request")
    .orderBy("t.created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row || !row.slot_start || !row.slot_end) return null;
  return {
    kind: row.kind as AppointmentKind,
    start: row.slot_start.toISOString(),
    end: row.slot_end.toISOString(),
    timeZone: row.time_zone,
  };
}
