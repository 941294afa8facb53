import type { Kysely, Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import type { PreferencesInput } from "./action-forms";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import type { BorrowerSession } from "./session.server";
import { consentFacts, optInToSms, optOutOfSms } from "../engine/feedback.server";
import { recordConsent } from "../platform/consent.server";
import { queueSms, type QueueSmsResult } from "../messaging/outbound-sms.server";
import {
  actedBy,
  auditActor,
  cancelQueuedReminders,
  portalSource,
  sessionAccount,
  type SessionScope,
} from "./action-scope.server";

/**
 * Contact preferences (docs/product-rules.md §5.4): channels, a preferred window inside
 * the quiet-hours band, language and a weekly maximum. The planner reads
 * contact_preferences directly, so a saved change governs the next decision.
 * Opting out of texts is a separate, explicit act (optOutOfSms); so is opting
 * back in (optInToSms), which ticking a box cannot do.
 */
type Trx = Transaction<Database>;

export interface CurrentPreferences {
  smsAllowed: boolean;
  emailAllowed: boolean;
  phoneAllowed: boolean;
  visitAllowed: boolean;
  windowStart: string | null;
  windowEnd: string | null;
  language: Locale;
  maxPerWeek: number | null;
  smsOptedOut: boolean;
}

const hhmm = (t: string | null) => (t ? t.slice(0, 5) : null);

export async function currentPreferences(
  db: Kysely<Database> | Trx,
  session: SessionScope,
): Promise<CurrentPreferences> {
  const account = await sessionAccount(db, session);
  const p = await db
    .selectFrom("contact_preferences")
    .selectAll()
    .where("borrower_id", "=", session.borrowerId)
    .executeTakeFirst();
  return {
    smsAllowed: p?.sms_allowed ?? true,
    emailAllowed: p?.email_allowed ?? true,
    phoneAllowed: p?.phone_allowed ?? true,
    visitAllowed: p?.visit_allowed ?? true,
    windowStart: hhmm(p?.window_start ?? null),
    windowEnd: hhmm(p?.window_end ?? null),
    language: p?.preferred_locale ?? account.locale,
    maxPerWeek: p?.max_per_week ?? null,
    smsOptedOut: Boolean(p?.sms_opted_out_at),
  };
}

const COMPARED = [
  "smsAllowed",
  "emailAllowed",
  "phoneAllowed",
  "visitAllowed",
  "windowStart",
  "windowEnd",
  "language",
  "maxPerWeek",
] as const;

export type UpdatePreferencesResult =
  { status: "updated"; changed: string[]; sms: QueueSmsResult } | { status: "unchanged" };

/**
 * Saves the form. While the borrower is opted out of texts the SMS box cannot
 * switch texts back on (that needs the explicit opt-in). Turning SMS off
 * cancels reminders already queued. Nothing is written when nothing changed.
 */
export async function updatePreferences(
  db: Kysely<Database>,
  session: SessionScope,
  input: PreferencesInput,
  now = new Date(),
): Promise<UpdatePreferencesResult> {
  return db.transaction().execute(async (trx) => {
    await trx
      .selectFrom("borrowers")
      .select("id")
      .where("id", "=", session.borrowerId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const before = await currentPreferences(trx, session);
    const after: Omit<CurrentPreferences, "smsOptedOut"> = {
      ...input,
      smsAllowed: before.smsOptedOut ? false : input.smsAllowed,
    };
    const changed = COMPARED.filter((k) => before[k] !== after[k]);
    if (changed.length === 0) return { status: "unchanged" as const };

    const row = {
      sms_allowed: after.smsAllowed,
      email_allowed: after.emailAllowed,
      phone_allowed: after.phoneAllowed,
      visit_allowed: after.visitAllowed,
      window_start: after.windowStart,
      window_end: after.windowEnd,
      preferred_locale: after.language,
      max_per_week: after.maxPerWeek,
      updated_at: now,
    };
    await trx
      .insertInto("contact_preferences")
      .values({ borrower_id: session.borrowerId, ...row })
      .onConflict((oc) => oc.column("borrower_id").doUpdateSet(row))
      .execute();
    const cancelled =
      before.smsAllowed && !after.smsAllowed
        ? await cancelQueuedReminders(trx, { borrowerId: session.borrowerId }, now, "sms_not_allowed")
        : 0;
    await recordChannelConsent(trx, session, before, after, now);
    const snapshot = { ...after, smsOptedOut: before.smsOptedOut };
    await appendAudit(
      trx,
      {
        ...auditActor(session),
        action: "preferences.changed",
        subjectType: "borrower",
        subjectId: session.borrowerId,
        borrowerId: session.borrowerId,
        detail: {
          via: portalSource(session).via,
          changed,
          before: pick(before),
          after: pick(snapshot),
          cancelledReminders: cancelled,
          ...actedBy(session),
        },
      },
      now,
    );
    await emitBankEvent(trx, {
      type: "preferences.changed",
      accountId: session.accountId,
      borrowerId: session.borrowerId,
      payload: { changed, preferences: pick(snapshot), ...actedBy(session) },
      now,
    });
    // Written after the change: in the newly chosen language, and not at all if SMS was just switched off.
    const sms = await queueSms(trx, {
      borrowerId: session.borrowerId,
      accountId: session.accountId,
      templateKey: "confirmation.preferences_updated",
      purpose: "confirmation",
      now,
    });
    return { status: "updated" as const, changed: [...changed], sms };
  });
}

const CONSENT_CHANNELS = [
  ["smsAllowed", "sms"],
  ["emailAllowed", "email"],
  ["phoneAllowed", "call"],
] as const;

/** Each channel ticked or unticked is a consent given or withdrawn (docs/product-rules.md §10.11). */
async function recordChannelConsent(
  trx: Trx,
  session: SessionScope,
  before: CurrentPreferences,
  after: Omit<CurrentPreferences, "smsOptedOut">,
  now: Date,
) {
  const facts = consentFacts(portalSource(session), "preferences");
  await recordConsent(
    trx,
    CONSENT_CHANNELS.filter(([key]) => before[key] !== after[key]).map(([key, channel]) => ({
      borrowerId: session.borrowerId,
      channel,
      action: after[key] ? ("granted" as const) : ("withdrawn" as const),
      ...facts,
      detail: { ...facts.detail, accountId: session.accountId },
    })),
    now,
  );
}

function pick(p: Omit<CurrentPreferences, "smsOptedOut"> & { smsOptedOut?: boolean }) {
  return {
    smsAllowed: p.smsAllowed,
    emailAllowed: p.emailAllowed,
    phoneAllowed: p.phoneAllowed,
    visitAllowed: p.visitAllowed,
    windowStart: p.windowStart,
    windowEnd: p.windowEnd,
    preferredLocale: p.language,
    maxPerWeek: p.maxPerWeek,
    smsOptedOut: p.smsOptedOut ?? false,
  };
}

/**
 * "Stop texts" from the portal, or an opt-out an agent heard on a call: the shared opt-out (which
 * reports to the bank). No text confirms it: none may be sent now.
 */
export async function stopTexts(
  db: Kysely<Database>,
  session: SessionScope & Partial<Pick<BorrowerSession, "id">>,
  now = new Date(),
) {
  return db.transaction().execute(async (trx) => {
    const before = await currentPreferences(trx, session);
    if (before.smsOptedOut) return { alreadyOptedOut: true, cancelledMessages: 0 };
    const result = await optOutOfSms(trx, {
      borrowerId: session.borrowerId,
      accountId: session.accountId,
      source: portalSource(session),
      now,
      // The borrower who asked stays signed in to see it done and to start texts again.
      ...(session.id ? { keepSessionId: session.id } : {}),
    });
    return { alreadyOptedOut: false, cancelledMessages: result.cancelledMessages };
  });
}

/** "Start texts again" from the portal: opt in, then one text to confirm it. */
export async function resumeTexts(db: Kysely<Database>, session: BorrowerSession, now = new Date()) {
  return db.transaction().execute(async (trx) => {
    const { changed } = await optInToSms(trx, {
      borrowerId: session.borrowerId,
      accountId: session.accountId,
      source: portalSource(session),
      now,
    });
    const sms = changed
      ? await queueSms(trx, {
          borrowerId: session.borrowerId,
          accountId: session.accountId,
          templateKey: "confirmation.opted_in",
          purpose: "confirmation",
          now,
        })
      : null;
    return { changed, sms };
  });
}
