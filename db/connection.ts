import { Kysely, PostgresDialect, type Compilable, type CompiledQuery, type QueryResult } from "kysely";
import { benchWithout } from "./bench-switches";
import pg from "pg";
import type { Database } from "./schema";

// int8 (bigint) carries money in minor units; JS numbers are exact up to 2^53,
// far above any balance, so parse to number but refuse anything unsafe.
pg.types.setTypeParser(20, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
});
// DATE stays a calendar date string (YYYY-MM-DD); turning it into a Date would shift it by the server's zone.
pg.types.setTypeParser(1082, (value: string) => value);

/**
 * Statements prepared once per connection: the few that every request of the busiest pages runs
 * (the landing's open, the session lookup). Postgres plans an unnamed statement on every execution,
 * and for the landing's statement that plan cost three times its execution (about 0.9 ms against
 * 0.3 ms on the bench machine); a named statement is parsed once per connection and, after five
 * executions, runs a cached generic plan. Keyed by the SQL text, so one statement has one name on
 * every connection. Bounded: only call sites of executePrepared register texts, each a fixed text;
 * past the bound a statement simply runs unprepared. (A transaction-pooling proxy such as
 * PgBouncer before 1.21 does not keep named statements: point DATABASE_URL at Postgres or a
 * session-pooling proxy.)
 */
const preparedNames = new Map<string, string>();
// The benchmark's comparison run (db/bench-switches.ts) prepares nothing and builds every statement per call.
const preparing = !benchWithout("prepared-statements");
const MAX_PREPARED_STATEMENTS = 32;

/** db.executeQuery, with the statement prepared on each connection that runs it (see preparedNames). */
export function executePrepared<R>(
  db: Pick<Kysely<Database>, "executeQuery">,
  compiled: CompiledQuery<R>,
): Promise<QueryResult<R>> {
  if (preparing && !preparedNames.has(compiled.sql) && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    preparedNames.set(compiled.sql, `settle_${preparedNames.size + 1}`);
  }
  return db.executeQuery(compiled);
}

/**
 * A statement built and compiled once, then bound afresh on every call: for the busiest pages, where
 * Kysely's builder and compiler (a tree of frozen nodes, walked on every request) cost more server time
 * than reading the statement's answer (the overview's: about a seventh of its server CPU per request, by profile).
 * `build` runs once, with a placeholder standing for each named value: it must pass each one through
 * as a query parameter (a comparison, a `sql` template value), never compute with one or branch on one.
 * A value the statement does not take as a parameter fails at the first call, not silently.
 */
export function compiledOnce<V extends object, R>(
  names: ReadonlyArray<keyof V & string>,
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
): (db: Kysely<Database>, values: V) => CompiledQuery<R> {
  let template:
    { compiled: CompiledQuery<R>; slots: Array<{ name: string } | { value: unknown }> } | undefined;
  if (!preparing) return (db, values) => build(db, values).compile();
  return (db, values) => {
    template ??= compileTemplate(db, names, build);
    const parameters = template.slots.map((slot) =>
      "name" in slot ? (values as Record<string, unknown>)[slot.name] : slot.value,
    );
    return { ...template.compiled, parameters };
  };
}

class Placeholder {
  constructor(readonly name: string) {}
}

function compileTemplate<V extends object, R>(
  db: Kysely<Database>,
  names: ReadonlyArray<keyof V & string>,
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
) {
  const placeholders = Object.fromEntries(names.map((name) => [name, new Placeholder(name)])) as unknown as V;
  const compiled = build(db, placeholders).compile();
  const slots = compiled.parameters.map((p) => (p instanceof Placeholder ? { name: p.name } : { value: p }));
  const unused = names.filter((name) => !slots.some((slot) => "name" in slot && slot.name === name));
  if (unused.length) throw new Error(`compiledOnce: ${unused.join(", ")} did not become query parameters`);
  return { compiled, slots };
}

/** The statement name executePrepared gave this text, if any (for tests). */
export function preparedStatementName(text: string): string | undefined {
  return preparedNames.get(text);
}

/** pg's client, naming the statements executePrepared registered (Kysely calls query(text, values)). */
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
(PreparingClient.prototype as { query: unknown }).query = function query(
  this: pg.Client,
  ...args: unknown[]
) {
  const [text, values] = args;
  if (args.length === 2 && typeof text === "string" && Array.isArray(values)) {
    const name = preparedNames.get(text);
    if (name) return plainQuery.call(this, { name, text, values });
  }
  return plainQuery.apply(this, args);
};

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function connectDatabase(
  url: string,
  opts: {
    max?: number;
    onError?: (err: Error) => void;
    /**
     * Postgres cancels any statement of this pool's connections that runs (or waits for a lock) longer
     * (SQLSTATE 57014, which db/unavailable.ts counts as unavailable: a web request answers 503 instead
     * of holding its connection). Unset or 0: no limit (migrations, imports, the CLI).
     */
    statementTimeoutMs?: number;
  } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    Client: PreparingClient,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // An idle client losing its connection (e.g. Postgres restarting) must not crash the process.
  const onError = opts.onError ?? (() => {});
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // ends the pool too
    },
  };
}
