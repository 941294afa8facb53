import { sql, type CreateTableBuilder, type Kysely, type RawBuilder } from "kysely";

/**
 * The whole Settle domain. Integrity lives here, not only in the app: money is
 * integer minor units that cannot go negative, every state is a closed set,
 * and unique keys make retries (webhooks, dispatcher, API imports) idempotent.
 *
 * Where a row names both an account and a borrower, a composite foreign key to
 * accounts(id, borrower_id) guarantees the two belong together.
 */

// The vocabularies below are mirrored as union types in db/schema.ts.
const LOCALES = ["zh-HK", "zh-CN", "en"];
const JURISDICTIONS = ["HK", "CN", "US", "UK"];
const PRODUCTS = ["credit_card", "personal_loan", "auto_loan", "mortgage"];
const ACCOUNT_STATUSES = ["current", "delinquent", "paid", "closed"];
const MESSAGE_STATUSES = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "failed",
  "undelivered",
  "cancelled",
  "received",
];
const CONTACT_CHANNELS = ["sms", "email", "phone", "visit"];
const PLAN_STATUSES = [
  "proposed",
  "approved",
  "rejected",
  "countered",
  "declined",
  "active",
  "completed",
  "broken",
  "cancelled",
];
/** A plan still in play. A countered original is closed: its counter-offer row (status proposed) carries it on. */
const OPEN_PLAN_STATUSES = ["proposed", "approved", "active"];
const TASK_KINDS = [
  "call",
  "visit",
  "hardship_review",
  "wrong_number_review",
  "complaint",
  "callback",
  "plan_review",
];
const CALL_OUTCOMES = [
  "connected",
  "no_answer",
  "busy",
  "wrong_number",
  "promise_made",
  "refused",
  "voicemail",
];
const HARDSHIP_REASONS = ["job_loss", "illness", "bereavement", "disaster", "other"];
const COMPLAINT_CATEGORIES = [
  "contact_frequency",
  "conduct",
  "amount_disputed",
  "privacy",
  "payment_problem",
  "other",
];
const STAFF_ROLES = ["agent", "approver", "supervisor", "admin"];
const ACTOR_TYPES = ["borrower", "staff", "system", "api"];
const FREE_TEXT_MAX = 4000;

type Table = CreateTableBuilder<any, any>;

/** `column IN ('a', 'b')` with every value bound as a literal (these are constants, never user input). */
function oneOf(column: string, values: readonly string[]): RawBuilder<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

function withinLength(column: string, max: number, min = 0): RawBuilder<unknown> {
  return sql`char_length(${sql.ref(column)}) between ${sql.lit(min)} and ${sql.lit(max)}`;
}

function uuidId(t: Table): Table {
  return t.addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`));
}

function createdAt(t: Table): Table {
  return t.addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`));
}

function timestamps(t: Table): Table {
  return createdAt(t).addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`));
}

function currency(t: Table, table: string): Table {
  return t
    .addColumn("currency", "char(3)", (c) => c.notNull())
    .addCheckConstraint(`${table}_currency_iso`, sql`currency ~ '^[A-Z]{3}$'`);
}

/** A bigint amount in minor units, never negative (or strictly positive when `positive`). */
function money(
  t: Table,
  table: string,
  column: string,
  opts: { positive?: boolean; nullable?: boolean; defaultZero?: boolean } = {},
): Table {
  const bound = opts.positive ? sql`> 0` : sql`>= 0`;
  return t
    .addColumn(column, "bigint", (c) => {
      let col = opts.nullable ? c : c.notNull();
      if (opts.defaultZero) col = col.defaultTo(0);
      return col;
    })
    .addCheckConstraint(`${table}_${column}_range`, sql`${sql.ref(column)} ${bound}`);
}

/** borrower_id (required) and account_id (optional unless `accountRequired`), tied together. */
function borrowerAccount(t: Table, table: string, opts: { accountRequired?: boolean } = {}): Table {
  return t
    .addColumn("borrower_id", "uuid", (c) => c.notNull().references("borrowers.id"))
    .addColumn("account_id", "uuid", (c) => (opts.accountRequired ? c.notNull() : c))
    .addForeignKeyConstraint(`${table}_account_borrower_fk`, ["account_id", "borrower_id"], "accounts", [
      "id",
      "borrower_id",
    ]);
}

function jsonObject(t: Table, table: string, column: string, opts: { defaultEmpty?: boolean } = {}): Table {
  return t
    .addColumn(column, "jsonb", (c) =>
      opts.defaultEmpty ? c.notNull().defaultTo(sql`'{}'::jsonb`) : c.notNull(),
    )
    .addCheckConstraint(`${table}_${column}_object`, sql`jsonb_typeof(${sql.ref(column)}) = 'object'`);
}

async function index(
  db: Kysely<any>,
  table: string,
  columns: string[],
  opts: { unique?: boolean; where?: RawBuilder<unknown>; name?: string } = {},
) {
  const name = opts.name ?? `${table}_${columns.map((c) => c.replace(/ desc$/, "")).join("_")}_idx`;
  let builder = db.schema.createIndex(name).on(table).columns(columns);
  if (opts.unique) builder = builder.unique();
  if (opts.where) builder = builder.where(opts.where as RawBuilder<boolean>);
  await builder.execute();
}

async function createPeopleAndAccounts(db: Kysely<any>) {
  await db.schema
    .createTable("staff_users")
    .$call(uuidId)
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("totp_secret", "text")
    .addColumn("totp_enabled_at", "timestamptz")
    .addColumn("failed_login_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "timestamptz")
    .addColumn("disabled_at", "timestamptz")
    .$call(createdAt)
    .addCheckConstraint("staff_users_email_lower", sql`email = lower(email) and email like '%_@_%'`)
    .addCheckConstraint("staff_users_display_name_length", withinLength("display_name", 200, 1))
    .addCheckConstraint("staff_users_role_valid", oneOf("role", STAFF_ROLES))
    .addCheckConstraint("staff_users_failed_login_count_range", sql`failed_login_count >= 0`)
    .execute();

  await db.schema
    .createTable("borrowers")
    .$call(uuidId)
    .addColumn("external_ref", "text", (c) => c.notNull().unique())
    .addColumn("full_name", "text", (c) => c.notNull())
    .addColumn("phone_e164", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("jurisdiction", "text", (c) => c.notNull())
    // Keyed hashes (HMAC-SHA256 hex) of the verification answers, never the answers.
    .addColumn("dob_hash", "text")
    .addColumn("id_last4_hash", "text")
    .$call(timestamps)
    .addCheckConstraint("borrowers_external_ref_length", withinLength("external_ref", 64, 1))
    .addCheckConstraint("borrowers_full_name_length", withinLength("full_name", 200, 1))
    .addCheckConstraint("borrowers_phone_e164_format", sql`phone_e164 ~ '^[+][1-9][0-9]{6,14}$'`)
    .addCheckConstraint(
      "borrowers_email_format",
      sql`email is null or (char_length(email) <= 254 and email like '%_@_%')`,
    )
    .addCheckConstraint("borrowers_locale_valid", oneOf("locale", LOCALES))
    .addCheckConstraint("borrowers_time_zone_length", withinLength("time_zone", 64, 1))
    .addCheckConstraint("borrowers_jurisdiction_valid", oneOf("jurisdiction", JURISDICTIONS))
    .addCheckConstraint("borrowers_dob_hash_format", sql`dob_hash is null or dob_hash ~ '^[0-9a-f]{64}$'`)
    .addCheckConstraint(
      "borrowers_id_last4_hash_format",
      sql`id_last4_hash is null or id_last4_hash ~ '^[0-9a-f]{64}$'`,
    )
    .execute();
  await index(db, "borrowers", ["phone_e164"]);

  await db.schema
    .createTable("accounts")
    .$call(uuidId)
    .addColumn("borrower_id", "uuid", (c) => c.notNull().references("borrowers.id"))
    .addColumn("external_ref", "text", (c) => c.notNull().unique())
    .addColumn("product", "text", (c) => c.notNull())
    .addColumn("last4", "text", (c) => c.notNull())
    .$call((t) => currency(t, "accounts"))
    .$call((t) => money(t, "accounts", "balance_minor", { defaultZero: true }))
    .$call((t) => money(t, "accounts", "overdue_minor", { defaultZero: true }))
    .$call((t) => money(t, "accounts", "minimum_due_minor", { defaultZero: true }))
    .$call((t) => money(t, "accounts", "fees_minor", { defaultZero: true }))
    .$call((t) => money(t, "accounts", "interest_minor", { defaultZero: true }))
    .addColumn("due_date", "date")
    .addColumn("dpd", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("current"))
    .addColumn("wrong_number_at", "timestamptz")
    .addColumn("dispute_at", "timestamptz")
    .addColumn("balance_as_of", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .$call(timestamps)
    // Target of the composite (account_id, borrower_id) foreign keys elsewhere.
    .addUniqueConstraint("accounts_id_borrower_id_key", ["id", "borrower_id"])
    .addCheckConstraint("accounts_external_ref_length", withinLength("external_ref", 64, 1))
    .addCheckConstraint("accounts_product_valid", oneOf("product", PRODUCTS))
    .addCheckConstraint("accounts_last4_format", sql`last4 ~ '^[0-9]{4}$'`)
    .addCheckConstraint("accounts_dpd_range", sql`dpd >= 0`)
    .addCheckConstraint("accounts_status_valid", oneOf("status", ACCOUNT_STATUSES))
    .execute();
  await index(db, "accounts", ["borrower_id"]);
  await index(db, "accounts", ["status", "dpd"]);

  await db.schema
    .createTable("contact_preferences")
    .addColumn("borrower_id", "uuid", (c) => c.primaryKey().references("borrowers.id").onDelete("cascade"))
    .addColumn("sms_allowed", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("email_allowed", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("phone_allowed", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("window_start", "time")
    .addColumn("window_end", "time")
    .addColumn("preferred_locale", "text")
    .addColumn("max_per_week", "integer")
    .addColumn("sms_opted_out_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // A window narrows the daytime quiet-hours band, so it never wraps midnight.
    .addCheckConstraint(
      "contact_preferences_window_valid",
      sql`(window_start is null and window_end is null) or (window_start is not null and window_end is not null and window_start < window_end)`,
    )
    .addCheckConstraint(
      "contact_preferences_preferred_locale_valid",
      sql`preferred_locale is null or ${oneOf("preferred_locale", LOCALES)}`,
    )
    .addCheckConstraint(
      "contact_preferences_max_per_week_range",
      sql`max_per_week is null or max_per_week between 1 and 21`,
    )
    .execute();
}

async function createMessagingAndLinks(db: Kysely<any>) {
  await db.schema
    .createTable("messages")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "messages"))
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("stage", "text")
    .addColumn("template_key", "text")
    .addColumn("variant", "text")
    .addColumn("locale", "text")
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("from_address", "text")
    .addColumn("segments", "integer")
    .addColumn("encoding", "text")
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("provider_message_id", "text")
    .addColumn("status", "text", (c) => c.notNull())
    // e.g. `${account}:${stage}:${day}`: the dispatcher's exactly-once key.
    .addColumn("dedupe_key", "text", (c) => c.unique())
    .addColumn("scheduled_for", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .$call(createdAt)
    .addUniqueConstraint("messages_provider_message_id_key", ["provider", "provider_message_id"])
    .addCheckConstraint("messages_direction_valid", oneOf("direction", ["outbound", "inbound"]))
    .addCheckConstraint("messages_channel_valid", oneOf("channel", ["sms", "email"]))
    .addCheckConstraint("messages_locale_valid", sql`locale is null or ${oneOf("locale", LOCALES)}`)
    .addCheckConstraint("messages_body_length", withinLength("body", 10_000))
    .addCheckConstraint("messages_segments_range", sql`segments is null or segments >= 1`)
    .addCheckConstraint(
      "messages_encoding_valid",
      sql`encoding is null or ${oneOf("encoding", ["GSM-7", "UCS-2"])}`,
    )
    .addCheckConstraint("messages_status_valid", oneOf("status", MESSAGE_STATUSES))
    .execute();
  await index(db, "messages", ["account_id", "created_at"]);
  await index(db, "messages", ["borrower_id", "created_at"]);
  await index(db, "messages", ["scheduled_for"], {
    name: "messages_queued_idx",
    where: sql`status = 'queued'`,
  });

  await db.schema
    .createTable("message_status_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("message_id", "uuid", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("provider_event_id", "text", (c) => c.unique())
    .$call((t) => jsonObject(t, "message_status_events", "detail", { defaultEmpty: true }))
    .addCheckConstraint("message_status_events_status_valid", oneOf("status", MESSAGE_STATUSES))
    .execute();
  await index(db, "message_status_events", ["message_id", "occurred_at"]);

  await db.schema
    .createTable("short_links")
    .$call(uuidId)
    .addColumn("code_hash", "text", (c) => c.notNull().unique())
    .addColumn("key_id", "text", (c) => c.notNull())
    .$call((t) => borrowerAccount(t, "short_links", { accountRequired: true }))
    .addColumn("message_id", "uuid", (c) => c.references("messages.id"))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_reason", "text")
    .addColumn("open_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("first_opened_at", "timestamptz")
    .addColumn("last_opened_at", "timestamptz")
    // Set after too many failed verifications (5 per 15 min locks for 24 h).
    .addColumn("locked_until", "timestamptz")
    .$call(createdAt)
    .addCheckConstraint("short_links_open_count_range", sql`open_count >= 0`)
    .addCheckConstraint(
      "short_links_revoked_reason_needs_revoked_at",
      sql`revoked_reason is null or revoked_at is not null`,
    )
    .addCheckConstraint(
      "short_links_revoked_reason_length",
      sql`revoked_reason is null or ${withinLength("revoked_reason", 200)}`,
    )
    .execute();
  await index(db, "short_links", ["account_id"]);
  await index(db, "short_links", ["borrower_id"]);

  await db.schema
    .createTable("verification_attempts")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("link_id", "uuid", (c) => c.notNull().references("short_links.id").onDelete("cascade"))
    .addColumn("succeeded", "boolean", (c) => c.notNull())
    .addColumn("attempted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await index(db, "verification_attempts", ["link_id", "attempted_at"]);

  await db.schema
    .createTable("borrower_sessions")
    // The id is a hash of the cookie token; the token itself is never stored.
    .addColumn("id", "text", (c) => c.primaryKey())
    .$call((t) => borrowerAccount(t, "borrower_sessions", { accountRequired: true }))
    .addColumn("link_id", "uuid", (c) => c.notNull().references("short_links.id"))
    .$call(createdAt)
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await index(db, "borrower_sessions", ["borrower_id"]);

  await db.schema
    .createTable("contact_decisions")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("run_id", "uuid", (c) => c.notNull())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id"))
    .addColumn("decided_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("channel", "text")
    .addColumn("template_key", "text")
    .addColumn("stage", "text")
    .addColumn("act_at", "timestamptz")
    .$call((t) => jsonObject(t, "contact_decisions", "detail", { defaultEmpty: true }))
    .addCheckConstraint("contact_decisions_action_valid", oneOf("action", ["send", "defer", "suppress"]))
    .addCheckConstraint("contact_decisions_reason_length", withinLength("reason", 100, 1))
    .addCheckConstraint(
      "contact_decisions_channel_valid",
      sql`channel is null or ${oneOf("channel", CONTACT_CHANNELS)}`,
    )
    .execute();
  await index(db, "contact_decisions", ["account_id", "decided_at desc"]);
  await index(db, "contact_decisions", ["run_id"]);
}

async function createPayments(db: Kysely<any>) {
  await db.schema
    .createTable("payments")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "payments", { accountRequired: true }))
    .$call((t) => money(t, "payments", "amount_minor", { positive: true }))
    .$call((t) => currency(t, "payments"))
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("stripe_checkout_session_id", "text", (c) => c.unique())
    .addColumn("stripe_payment_intent_id", "text", (c) => c.unique())
    .addColumn("external_ref", "text", (c) => c.unique())
    .$call(createdAt)
    .addColumn("succeeded_at", "timestamptz")
    .addColumn("bank_confirmed_at", "timestamptz")
    .addCheckConstraint(
      "payments_source_valid",
      oneOf("source", ["portal", "offline_branch", "offline_transfer"]),
    )
    .addCheckConstraint(
      "payments_status_valid",
      oneOf("status", ["pending", "succeeded", "failed", "refunded"]),
    )
    .execute();
  await index(db, "payments", ["account_id", "created_at"]);
  await index(db, "payments", ["borrower_id"]);

  await db.schema
    .createTable("stripe_events")
    .addColumn("id", "text", (c) => c.primaryKey()) // Stripe's event id: the dedupe key
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("processed_at", "timestamptz")
    .$call((t) => jsonObject(t, "stripe_events", "payload"))
    .execute();
}

async function createArrangements(db: Kysely<any>) {
  await db.schema
    .createTable("instalment_plans")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "instalment_plans", { accountRequired: true }))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("proposed"))
    .$call((t) => money(t, "instalment_plans", "total_minor", { positive: true }))
    .$call((t) => currency(t, "instalment_plans"))
    .addColumn("instalment_count", "integer", (c) => c.notNull())
    .addColumn("frequency", "text", (c) => c.notNull().defaultTo("monthly"))
    .addColumn("first_due_date", "date", (c) => c.notNull())
    .addColumn("proposed_by", "text", (c) => c.notNull())
    .addColumn("proposed_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .addColumn("counter_of_plan_id", "uuid", (c) => c.references("instalment_plans.id"))
    .addColumn("auto_approved", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("decided_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .addColumn("decided_at", "timestamptz")
    .addColumn("decision_reason", "text")
    .$call(timestamps)
    .addCheckConstraint("instalment_plans_status_valid", oneOf("status", PLAN_STATUSES))
    .addCheckConstraint("instalment_plans_instalment_count_range", sql`instalment_count between 2 and 12`)
    .addCheckConstraint("instalment_plans_frequency_valid", oneOf("frequency", ["monthly", "fortnightly"]))
    .addCheckConstraint("instalment_plans_proposed_by_valid", oneOf("proposed_by", ["borrower", "staff"]))
    .addCheckConstraint(
      "instalment_plans_staff_proposal_has_staff",
      sql`(proposed_by = 'staff') = (proposed_by_staff_id is not null)`,
    )
    // Nobody approves a counter-offer they wrote.
    .addCheckConstraint(
      "instalment_plans_four_eyes",
      sql`decided_by_staff_id is distinct from proposed_by_staff_id or decided_by_staff_id is null`,
    )
    .addCheckConstraint("instalment_plans_not_own_counter", sql`counter_of_plan_id is distinct from id`)
    .addCheckConstraint(
      "instalment_plans_decision_reason_length",
      sql`decision_reason is null or ${withinLength("decision_reason", FREE_TEXT_MAX)}`,
    )
    .execute();
  await index(db, "instalment_plans", ["account_id"], {
    name: "instalment_plans_one_open_per_account",
    unique: true,
    where: oneOf("status", OPEN_PLAN_STATUSES),
  });
  await index(db, "instalment_plans", ["status", "created_at"]);
  await index(db, "instalment_plans", ["borrower_id"]);

  await db.schema
    .createTable("instalments")
    .$call(uuidId)
    .addColumn("plan_id", "uuid", (c) => c.notNull().references("instalment_plans.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("due_date", "date", (c) => c.notNull())
    .$call((t) => money(t, "instalments", "amount_minor", { positive: true }))
    .$call((t) => money(t, "instalments", "paid_minor", { defaultZero: true }))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("due"))
    .addUniqueConstraint("instalments_plan_id_seq_key", ["plan_id", "seq"])
    .addCheckConstraint("instalments_seq_range", sql`seq >= 1`)
    .addCheckConstraint("instalments_paid_within_amount", sql`paid_minor <= amount_minor`)
    .addCheckConstraint("instalments_status_valid", oneOf("status", ["due", "paid", "missed"]))
    .execute();
  await index(db, "instalments", ["due_date"], { name: "instalments_due_idx", where: sql`status = 'due'` });

  await db.schema
    .createTable("promises_to_pay")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "promises_to_pay", { accountRequired: true }))
    .$call((t) => money(t, "promises_to_pay", "amount_minor", { positive: true }))
    .$call((t) => currency(t, "promises_to_pay"))
    .addColumn("promised_date", "date", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .$call(createdAt)
    .addColumn("resolved_at", "timestamptz")
    .addCheckConstraint(
      "promises_to_pay_status_valid",
      oneOf("status", ["active", "kept", "broken", "cancelled"]),
    )
    .execute();
  await index(db, "promises_to_pay", ["account_id"], {
    name: "promises_to_pay_one_active_per_account",
    unique: true,
    where: sql`status = 'active'`,
  });
  await index(db, "promises_to_pay", ["borrower_id"]);

  await db.schema
    .createTable("hardship_reports")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "hardship_reports"))
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("details", "text", (c) => c.notNull().defaultTo(""))
    .$call((t) => money(t, "hardship_reports", "monthly_income_minor", { nullable: true }))
    .$call((t) => money(t, "hardship_reports", "monthly_expenses_minor", { nullable: true }))
    .$call((t) => currency(t, "hardship_reports"))
    .addColumn("wants_pause", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("wants_lower_payments", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("pause_until", "timestamptz")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .$call(createdAt)
    .addColumn("resolved_at", "timestamptz")
    .addColumn("resolved_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .addCheckConstraint("hardship_reports_reason_valid", oneOf("reason", HARDSHIP_REASONS))
    .addCheckConstraint("hardship_reports_details_length", withinLength("details", FREE_TEXT_MAX))
    .addCheckConstraint("hardship_reports_status_valid", oneOf("status", ["open", "reviewed", "resolved"]))
    .execute();
  await index(db, "hardship_reports", ["borrower_id", "created_at"]);
  await index(db, "hardship_reports", ["status", "created_at"]);
}

async function createCaseWork(db: Kysely<any>) {
  await db.schema
    .createTable("complaints")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "complaints"))
    .addColumn("ack_number", "text", (c) => c.notNull().unique())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .$call(createdAt)
    .addColumn("resolved_at", "timestamptz")
    .addCheckConstraint("complaints_category_valid", oneOf("category", COMPLAINT_CATEGORIES))
    .addCheckConstraint("complaints_body_length", withinLength("body", FREE_TEXT_MAX, 1))
    .addCheckConstraint("complaints_status_valid", oneOf("status", ["open", "in_progress", "resolved"]))
    .execute();
  await index(db, "complaints", ["status", "created_at"]);
  await index(db, "complaints", ["borrower_id"]);

  await db.schema
    .createTable("tasks")
    .$call(uuidId)
    .addColumn("kind", "text", (c) => c.notNull())
    .$call((t) => borrowerAccount(t, "tasks"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("due_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("slot_start", "timestamptz")
    .addColumn("slot_end", "timestamptz")
    .addColumn("assigned_to_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .addColumn("source_type", "text")
    .addColumn("source_id", "uuid")
    .addColumn("dedupe_key", "text", (c) => c.unique())
    .addColumn("outcome", "text")
    .$call(createdAt)
    .addColumn("resolved_at", "timestamptz")
    .addCheckConstraint("tasks_kind_valid", oneOf("kind", TASK_KINDS))
    .addCheckConstraint("tasks_status_valid", oneOf("status", ["open", "done", "cancelled"]))
    .addCheckConstraint(
      "tasks_slot_valid",
      sql`slot_end is null or (slot_start is not null and slot_end > slot_start)`,
    )
    .addCheckConstraint(
      "tasks_outcome_length",
      sql`outcome is null or ${withinLength("outcome", FREE_TEXT_MAX)}`,
    )
    .execute();
  await index(db, "tasks", ["status", "kind", "due_at"]);
  await index(db, "tasks", ["borrower_id"]);

  await db.schema
    .createTable("notes")
    .$call(uuidId)
    .addColumn("borrower_id", "uuid", (c) => c.notNull().references("borrowers.id"))
    .addColumn("staff_user_id", "uuid", (c) => c.notNull().references("staff_users.id"))
    .addColumn("body", "text", (c) => c.notNull())
    .$call(createdAt)
    .addCheckConstraint("notes_body_length", withinLength("body", FREE_TEXT_MAX, 1))
    .execute();
  await index(db, "notes", ["borrower_id", "created_at"]);

  await db.schema
    .createTable("call_attempts")
    .$call(uuidId)
    .$call((t) => borrowerAccount(t, "call_attempts"))
    .addColumn("staff_user_id", "uuid", (c) => c.references("staff_users.id"))
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("call_attempts_outcome_valid", oneOf("outcome", CALL_OUTCOMES))
    .execute();
  await index(db, "call_attempts", ["borrower_id", "occurred_at"]);
}

async function createStaffAccessAndIntegration(db: Kysely<any>) {
  await db.schema
    .createTable("staff_sessions")
    .addColumn("id", "text", (c) => c.primaryKey()) // hash of the cookie token
    .addColumn("staff_user_id", "uuid", (c) => c.notNull().references("staff_users.id").onDelete("cascade"))
    .$call(createdAt)
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addCheckConstraint(
      "staff_sessions_user_agent_length",
      sql`user_agent is null or ${withinLength("user_agent", 512)}`,
    )
    .execute();
  await index(db, "staff_sessions", ["staff_user_id"]);

  await db.schema
    .createTable("api_keys")
    .$call(uuidId)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull().unique())
    .addColumn("key_hash", "text", (c) => c.notNull())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("created_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .$call(createdAt)
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addCheckConstraint("api_keys_name_length", withinLength("name", 100, 1))
    .addCheckConstraint("api_keys_scopes_not_empty", sql`cardinality(scopes) > 0`)
    .execute();

  await db.schema
    .createTable("bank_events")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`)) // stable event id sent to the bank
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("account_id", "uuid", (c) => c.references("accounts.id"))
    .addColumn("borrower_id", "uuid", (c) => c.references("borrowers.id"))
    .$call((t) => jsonObject(t, "bank_events", "payload"))
    .$call(createdAt)
    .execute();
  await index(db, "bank_events", ["created_at"]);

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("event_id", "uuid", (c) => c.notNull().references("bank_events.id").onDelete("cascade"))
    .addColumn("endpoint_url", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("ok", "boolean", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("attempted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("next_attempt_at", "timestamptz")
    .addUniqueConstraint("webhook_deliveries_event_endpoint_attempt_key", [
      "event_id",
      "endpoint_url",
      "attempt",
    ])
    .addCheckConstraint("webhook_deliveries_attempt_range", sql`attempt >= 1`)
    .addCheckConstraint(
      "webhook_deliveries_status_code_range",
      sql`status_code is null or status_code between 100 and 599`,
    )
    .execute();

  await db.schema
    .createTable("contact_policies")
    .$call(uuidId)
    .addColumn("version", "integer", (c) => c.notNull().unique())
    .$call((t) => jsonObject(t, "contact_policies", "policy"))
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .$call(createdAt)
    .addCheckConstraint("contact_policies_version_range", sql`version > 0`)
    .execute();
  await index(db, "contact_policies", ["active"], {
    name: "contact_policies_one_active",
    unique: true,
    where: sql`active`,
  });

  await db.schema
    .createTable("sms_templates")
    .$call(uuidId)
    .addColumn("stage", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull())
    .addColumn("variant", "text", (c) => c.notNull().defaultTo("A"))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .$call(createdAt)
    .addUniqueConstraint("sms_templates_stage_locale_variant_version_key", [
      "stage",
      "locale",
      "variant",
      "version",
    ])
    .addCheckConstraint("sms_templates_stage_length", withinLength("stage", 64, 1))
    .addCheckConstraint("sms_templates_locale_valid", oneOf("locale", LOCALES))
    .addCheckConstraint("sms_templates_variant_length", withinLength("variant", 16, 1))
    .addCheckConstraint("sms_templates_body_length", withinLength("body", 1600, 1))
    .addCheckConstraint("sms_templates_version_range", sql`version > 0`)
    .execute();
  await index(db, "sms_templates", ["stage", "locale", "variant"], {
    name: "sms_templates_one_active_per_variant",
    unique: true,
    where: sql`active`,
  });
}

async function createAuditLog(db: Kysely<any>) {
  await db.schema
    .createTable("audit_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("subject_type", "text", (c) => c.notNull())
    .addColumn("subject_id", "text")
    .addColumn("borrower_id", "uuid", (c) => c.references("borrowers.id"))
    .$call((t) => jsonObject(t, "audit_events", "detail", { defaultEmpty: true }))
    // Hash chain: hash = H(prev_hash || canonical row); `audit:verify` walks it.
    .addColumn("prev_hash", "text")
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addCheckConstraint("audit_events_actor_type_valid", oneOf("actor_type", ACTOR_TYPES))
    .execute();
  await index(db, "audit_events", ["borrower_id", "occurred_at"]);
  await index(db, "audit_events", ["subject_type", "subject_id"]);

  // Append-only even for code that forgets: rows can be inserted, never changed or removed.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only (% rejected)', tg_op using errcode = 'restrict_violation';
    end
    $$
  `.execute(db);
  await sql`
    create trigger audit_events_no_update_or_delete before update or delete on audit_events
    for each row execute function audit_events_append_only()
  `.execute(db);
  await sql`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()
  `.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await createPeopleAndAccounts(db);
  await createMessagingAndLinks(db);
  await createPayments(db);
  await createArrangements(db);
  await createCaseWork(db);
  await createStaffAccessAndIntegration(db);
  await createAuditLog(db);
}

const TABLES_IN_CREATION_ORDER = [
  "staff_users",
  "borrowers",
  "accounts",
  "contact_preferences",
  "messages",
  "message_status_events",
  "short_links",
  "verification_attempts",
  "borrower_sessions",
  "contact_decisions",
  "payments",
  "stripe_events",
  "instalment_plans",
  "instalments",
  "promises_to_pay",
  "hardship_reports",
  "complaints",
  "tasks",
  "notes",
  "call_attempts",
  "staff_sessions",
  "api_keys",
  "bank_events",
  "webhook_deliveries",
  "contact_policies",
  "sms_templates",
  "audit_events",
];

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [...TABLES_IN_CREATION_ORDER].reverse()) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop function if exists audit_events_append_only()`.execute(db);
}
