/**
 * `npm run settle -- <command> [flags]`. Arguments are parsed with node:util
 * and validated with zod; bad input prints what to fix and exits 2.
 */
import { parseArgs } from "node:util";
import { ConfigError, config } from "../platform/config.server";
import { logToStderr } from "../platform/logger.server";
import { UsageError, type Command, type CommandContext } from "./command";
import { prepareDatabase } from "../server/database.server";
import { DatabaseOpenError, oneLine, openDatabase, type OpenedDatabase } from "./database";
import { commands } from "./commands/index";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "Usage: npm run settle -- <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

export function parseCommandLine(argv: string[]): { command: Command; args: unknown } {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help")
    throw new UsageError("No command given.");
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}\nUsage: npm run settle -- ${command.usage}`,
    );
  }
  const input = command.allowPositionals
    ? { ...parsed.values, positionals: parsed.positionals }
    : parsed.values;
  const result = command.schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  --${i.path.join(".") || "(arguments)"}: ${i.message}`);
    throw new UsageError(
      `Invalid arguments for ${name}:\n${problems.join("\n")}\nUsage: npm run settle -- ${command.usage}`,
    );
  }
  return { command, args: result.data };
}

async function main(argv: string[]): Promise<number> {
  logToStderr();
  let opening: Promise<OpenedDatabase> | undefined;
  let code: number;
  try {
    const { command, args } = parseCommandLine(argv);
    const cfg = config();
    const ctx: CommandContext = {
      cfg,
      async database() {
        opening ??= openDatabase(cfg, { migrate: !command.migratesItself }).then((opened) => {
          if (opened.notice) ctx.err(opened.notice);
          return opened;
        });
        return (await opening).handle;
      },
      async prepareDatabase() {
        await ctx.database();
        const opened = await opening!;
        return prepareDatabase(opened.provisioned, opened.handle, { production: cfg.isProduction });
      },
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    };
    code = (await command.run(args, ctx)) ?? 0;
  } catch (error) {
    code = report(error);
  }
  return Math.max(code, await closeDatabase(opening));
}

/** Prints a failure (one line, no stack trace; bad arguments with the usage) and returns its exit code. */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${usage()}\n`);
    return 2;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  process.stderr.write(`${error instanceof DatabaseOpenError ? "" : "Error: "}${oneLine(error)}\n`);
  return 1;
}

/** Closes the database a command opened (and stops the embedded server): 0, or 1 when that failed. */
async function closeDatabase(opening: Promise<OpenedDatabase> | undefined): Promise<number> {
  // A failed opening was reported already, and tidied up after itself.
  const opened = await opening?.catch(() => undefined);
  try {
    await opened?.close();
    return 0;
  } catch (error) {
    process.stderr.write(`Error while closing the database: ${oneLine(error)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  // Exit only once what was written has left: a pipe takes 64 KiB at a time, and process.exit() drops the
  // rest (schedule:run --json over a few hundred accounts lost its last lines that way).
  main(process.argv.slice(2)).then((code) =>
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code))),
  );
}
