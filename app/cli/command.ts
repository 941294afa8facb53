import type { ParseArgsConfig } from "node:util";
import { z } from "zod";
import type { DatabaseHandle } from "../../db/connection";
import type { Config } from "../platform/config.server";

export interface CommandContext {
  cfg: Config;
  /** Opens the database on first use: provisioned (when embedded), migrated (as the schema owner) and seeded as `npm run dev` does (cli/database.ts). */
  database(): Promise<DatabaseHandle>;
  /** Migrates as the schema owner and grants the application's role (as the server does at start-up). */
  prepareDatabase(): Promise<string[]>;
  out(line: string): void;
  err(line: string): void;
}

/** One `npm run settle -- <name>` command: its flags, their zod schema, and what it does. */
export interface Command<S extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  allowPositionals?: boolean;
  /** The command applies the migrations itself (db:migrate, to report them); every other one gets a migrated database. */
  migratesItself?: boolean;
  schema: S;
  run(args: z.infer<S>, ctx: CommandContext): Promise<number | void>;
}

export function defineCommand<S extends z.ZodTypeAny>(command: Command<S>): Command<S> {
  return command;
}

/** Thrown for bad arguments: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

/** `--now ISO`: the clock a command runs at (for rehearsals and tests); absent, the real time. */
export const nowOption = z
  .string()
  .datetime({
    offset: true,
    message: "must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T10:00:00+08:00",
  })
  .transform((s) => new Date(s))
  .optional();
