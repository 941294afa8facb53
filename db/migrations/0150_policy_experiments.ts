import { sql, type Kysely } from "kysely";

/**
 * Champion-challenger on whole contact strategies (issue #23 item 2, docs/product-rules.md §4.21).
 * policy_experiments: a challenger contact policy and the share of accounts it gets; at most one
 * running at a time; closed as `promoted` (its policy became the champion version) or `stopped`, with its
 * comparison recorded. policy_experiment_assignments: the arm each account got when the planner first
 * decided it during the experiment. New tables only: the previous release neither reads nor writes them.
 * The planner reads both, so this is the migration the upgrade test's planner path needs; what only the
 * experiments page and the demo read comes in 0151.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table policy_experiments (
    id uuid primary key default gen_random_uuid(),
    name text not null check (length(name) between 1 and 80),
    challenger_policy jsonb not null check (jsonb_typeof(challenger_policy) = 'object'),
    share_percent integer not null check (share_percent between 1 and 50),
    champion_version integer not null check (champion_version >= 0),
    status text not null default 'running' check (status in ('running', 'promoted', 'stopped')),
    started_by_staff_id uuid references staff_users (id),
    started_at timestamptz not null default now(),
    ended_by_staff_id uuid references staff_users (id),
    ended_at timestamptz,
    promoted_version integer,
    check ((status = 'running') = (ended_at is null)),
    check ((status = 'promoted') = (promoted_version is not null))
  )`.execute(db);
  await sql`create unique index policy_experiments_one_running on policy_experiments ((true)) where status = 'running'`.execute(
    db,
  );
  await sql`create table policy_experiment_assignments (
    experiment_id uuid not null references policy_experiments (id),
    account_id uuid not null references accounts (id),
    arm text not null check (arm in ('champion', 'challenger')),
    in_arrears boolean not null,
    assigned_at timestamptz not null,
    primary key (experiment_id, account_id)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table policy_experiment_assignments`.execute(db);
  await sql`drop table policy_experiments`.execute(db);
}
