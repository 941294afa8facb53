import { sql, type Kysely } from "kysely";
import type { Database } from "./schema";

/**
 * The database roles (README "Security"): the schema's owner runs the migrations; the application runs as
 * a role that may read and write rows and nothing more. The audit log and its anchors take only SELECT
 * and INSERT from it, and, not owning them, it cannot ALTER, TRUNCATE or switch off their triggers: a
 * compromised application cannot quietly rewrite what it did.
 */
const APPEND_ONLY_TABLES = ["audit_events", "audit_anchors", "consent_events"] as const;
const MIGRATION_TABLES = ["kysely_migration", "kysely_migration_lock"] as const;

/**
 * Grants `role` what the application needs on the owner's schema, after every migration (new tables
 * included); idempotent. Run on the owner's connection. Granting to the owner itself is skipped:
 * a revoke would take the owner's own rights.
 */
export async function grantRuntimeRole(owner: Kysely<Database>, role: string): Promise<void> {
  const { rows } = await sql<{ self: boolean }>`select current_user = ${role} as self`.execute(owner);
  if (rows[0]?.self) return;
  const r = sql.id(role);
  const statements = [
    sql`grant usage on schema public, graphile_worker to ${r}`,
    sql`grant select, insert, update, delete on all tables in schema public to ${r}`,
    sql`grant usage, select on all sequences in schema public to ${r}`,
    sql`revoke all on ${sql.join(APPEND_ONLY_TABLES.map((t) => sql.id(t)))} from ${r}`,
    sql`grant select, insert on ${sql.join(APPEND_ONLY_TABLES.map((t) => sql.id(t)))} to ${r}`,
    sql`revoke all on ${sql.join(MIGRATION_TABLES.map((t) => sql.id(t)))} from ${r}`,
    sql`grant select, insert, update, delete on all tables in schema graphile_worker to ${r}`,
    sql`grant usage, select on all sequences in schema graphile_worker to ${r}`,
    sql`grant execute on all functions in schema graphile_worker to ${r}`,
  ];
  await owner.transaction().execute(async (trx) => {
    for (const statement of statements) await statement.execute(trx);
    await openWorkerTables(trx, role);
  });
}

/**
 * graphile-worker turns row-level security on for its tables with no policy, so that only their owner
 * reaches them; the application's role (which queues jobs in its own transactions and runs the worker)
 * gets a policy that lets it reach every row.
 */
async function openWorkerTables(owner: Kysely<Database>, role: string): Promise<void> {
  const { rows } = await sql<{ relname: string }>`select relname from pg_class
    where relnamespace = 'graphile_worker'::regnamespace and relkind = 'r' and relrowsecurity`.execute(owner);
  const policy = sql.id(`settle_runtime_${role}`);
  for (const { relname } of rows) {
    const table = sql.id("graphile_worker", relname);
    await sql`drop policy if exists ${policy} on ${table}`.execute(owner);
    await sql`create policy ${policy} on ${table} to ${sql.id(role)} using (true) with check (true)`.execute(
      owner,
    );
  }
}

/**
 * Why the connected role could change the audit log (empty when it cannot): a superuser, a member of a
 * table's owning role (ALTER, DISABLE TRIGGER, DROP), or UPDATE, DELETE or TRUNCATE granted on it.
 */
export async function auditLogWriteRisks(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{
    relname: string;
    superuser: boolean;
    owns: boolean;
    can_change: boolean;
  }>`select c.relname, r.rolsuper as superuser,
      pg_has_role(current_user, c.relowner, 'MEMBER') as owns,
      has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE') as can_change
    from pg_class c join pg_roles r on r.rolname = current_user
    where c.relnamespace = 'public'::regnamespace and c.relname in (${sql.join([...APPEND_ONLY_TABLES])})
    order by c.relname`.execute(db);
  const risks = new Set<string>();
  for (const row of rows) {
    if (row.superuser) risks.add("it is a superuser");
    else if (row.owns) risks.add(`it owns ${row.relname}`);
    else if (row.can_change) risks.add(`it may UPDATE, DELETE or TRUNCATE ${row.relname}`);
  }
  return [...risks];
}
