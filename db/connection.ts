import { Kysely, PostgresDialect, type CompiledQuery, type QueryResult } from "kysely";
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

const PREPARED = Symbol.for("settle.preparedStatements");

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
// On globalThis: the server bundle (build/server/main.js, which makes the pool) and the Remix build
// (build/server/index.js, whose routes run the statements) each carry a copy of this module.
const registry = globalThis as { [PREPARED]?: Map<string, string> };
const preparedNames = (registry[PREPARED] ??= new Map<string, string>());
const MAX_PREPARED_STATEMENTS = 32;

/** db.executeQuery, with the statement prepared on each connection that runs it (see preparedNames). */
export function executePrepared<R>(db: Pick<Kysely<Database>, "executeQuery">, compiled: CompiledQuery<R>): Promise<QueryResult<R>> {
  if (!preparedNames.has(compiled.sql) && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    preparedNames.set(compiled.sql, `settle_${preparedNames.size + 1}`);
  }
  return db.executeQuery(compiled);
}

/** The statement name executePrepared gave this text, if any (for tests). */
export function preparedStatementName(text: string): string | undefined {
  return preparedNames.get(text);
}

/** pg's client, naming the statements executePrepared registered (Kysely calls query(text, values)). */
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
(PreparingClient.prototype as { query: unknown }).query = function query(this: pg.Client, ...args: unknown[]) {
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

export function connectDatabase(url: string, opts: { max?: number; onError?: (err: Error) => void } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    Client: PreparingClient,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
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
