import { sql, type Kysely } from "kysely";

/**
 * Calls as a channel (issue #18 item 2, docs/product-rules.md §4.16): the outcomes an agent logs gain
 * `right_party_contact` and `callback_requested`, and a call the schedule's caps or window forbid is kept
 * with the agent's reason for making it. Decisions may name the channel `call`, and a task the schedule opens
 * keeps the rule that opened it. Safe while the previous release serves: it writes neither.
 */
const OLD_OUTCOMES = [
  "connected",
  "no_answer",
  "busy",
  "wrong_number",
  "promise_made",
  "refused",
  "voicemail",
];
const NEW_OUTCOMES = [...OLD_OUTCOMES, "right_party_contact", "callback_requested"];

export async function up(db: Kysely<any>): Promise<void> {
  await setOutcomes(db, NEW_OUTCOMES);
  // Decisions name the channel `call` (the schedule's word); tasks say why the schedule opened them.
  await sql`alter table contact_decisions drop constraint contact_decisions_channel_valid`.execute(db);
  await sql`alter table contact_decisions add constraint contact_decisions_channel_valid
    check (channel is null or channel in ('sms', 'email', 'phone', 'call', 'visit')) not valid`.execute(db);
  await sql`alter table contact_decisions validate constraint contact_decisions_channel_valid`.execute(db);
  await sql`alter table tasks add column reason text
    check (reason is null or char_length(reason) between 1 and 300)`.execute(db);
  await sql`alter table call_attempts add column override_reason text
    check (override_reason is null or char_length(override_reason) between 1 and 500)`.execute(db);
  await sql`alter table call_attempts add column override_blocker text
    check (override_blocker is null or char_length(override_blocker) between 1 and 60)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table tasks drop column reason`.execute(db);
  await sql`update contact_decisions set channel = 'phone' where channel = 'call'`.execute(db);
  await sql`alter table call_attempts drop column override_reason, drop column override_blocker`.execute(db);
  await sql`update call_attempts set outcome = 'connected' where outcome in ('right_party_contact', 'callback_requested')`.execute(
    db,
  );
  await setOutcomes(db, OLD_OUTCOMES);
}

async function setOutcomes(db: Kysely<any>, outcomes: string[]) {
  await sql`alter table call_attempts drop constraint call_attempts_outcome_valid`.execute(db);
  await sql`alter table call_attempts add constraint call_attempts_outcome_valid check (outcome in (${sql.join(outcomes.map((o) => sql.lit(o)))})) not valid`.execute(
    db,
  );
  await sql`alter table call_attempts validate constraint call_attempts_outcome_valid`.execute(db);
}
