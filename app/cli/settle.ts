/**
 * `npm run settle -- <command> [flags]`. Arguments are parsed with node:util
 * and validated with zod; bad input prints what to fix and exits 2.
 */
import { parseArgs } from "node:util";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { ConfigError, config } from "../platform/config.server";
import { prepareDatabase, provisionDatabase, type ProvisionedDatabase } from "../server/database.server";
import { UsageError, type Command, type CommandContext } from "./command";
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
  let provisioned: ProvisionedDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  try {
    const { command, args } = parseCommandLine(argv);
    const cfg = config();
    const ctx: CommandContext = {
      cfg,
      async database() {
        if (!handle) {
          provisioned = await provisionDatabase(cfg);
          handle = connectDatabase(provisioned.url);
        }
        return handle;
      },
      async prepareDatabase() {
        const app = await ctx.database();
        return prepareDatabase(provisioned!, app, { production: cfg.isProduction });
      },
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    };
    return (await command.run(args, ctx)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage()}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await handle?.close();
    await provisioned?.stop();
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
