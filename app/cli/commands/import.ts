import { SingleBar } from "cli-progress";
import { z } from "zod";
import { ImportFileError, importAccountsFile, type ImportProgress } from "../../bank/import.server";
import { defineCommand } from "../command";

/** Exit code when the import finished but some rows were rejected (see the error report). */
const EXIT_ROWS_REJECTED = 3;

export const importCommand = defineCommand({
  name: "import",
  usage: "import <file.csv|file.jsonl> [--errors out.csv] [--batch-size N]",
  summary: "Upsert borrowers and accounts from a CSV or JSONL file, with a per-row error report",
  options: { errors: { type: "string" }, "batch-size": { type: "string" } },
  allowPositionals: true,
  schema: z
    .object({
      positionals: z.array(z.string().min(1)).length(1, "give exactly one input file"),
      errors: z.string().min(1).optional(),
      "batch-size": z.coerce.number().int().min(1).max(10_000).default(2_000),
    })
    .strict(),
  async run(args, ctx) {
    const file = args.positionals[0]!;
    const { db } = await ctx.database();
    const progress = progressReporter();
    try {
      const summary = await importAccountsFile(db, {
        file,
        errorsPath: args.errors,
        hashKey: ctx.cfg.verificationHashKey,
        batchSize: args["batch-size"],
        onProgress: progress.update,
      });
      progress.stop(summary.rows);
      ctx.out(
        `Imported ${summary.rows} rows in ${summary.seconds.toFixed(1)} s (${summary.rowsPerSecond} rows/s): ` +
          `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected` +
          (summary.paymentsConfirmed ? `, ${summary.paymentsConfirmed} payments confirmed` : "") +
          ".",
      );
      ctx.out(`Error report: ${summary.errorsPath}`);
      return summary.rejected > 0 ? EXIT_ROWS_REJECTED : 0;
    } catch (error) {
      progress.stop(0);
      if (error instanceof ImportFileError) {
        ctx.err(error.message);
        return 2;
      }
      throw error;
    }
  },
});

/** A live bar on a terminal (rows/s and ETA by bytes read); plain lines every few seconds otherwise (CI logs, pipes). */
function progressReporter() {
  const started = performance.now();
  const rate = (rows: number) => Math.round(rows / Math.max(0.001, (performance.now() - started) / 1000));
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: "{bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 50,
    });
    let startedBar = false;
    return {
      update(p: ImportProgress) {
        if (!startedBar) {
          bar.start(Math.max(1, p.totalBytes), 0, { rows: 0, rate: 0 });
          startedBar = true;
        }
        bar.update(p.bytesRead, { rows: p.rows, rate: rate(p.rows) });
      },
      stop(rows: number) {
        if (startedBar) {
          bar.update(bar.getTotal(), { rows, rate: rate(rows) });
          bar.stop();
        }
      },
    };
  }
  let lastLine = 0;
  return {
    update(p: ImportProgress) {
      const now = performance.now();
      if (now - lastLine < 5_000) return;
      lastLine = now;
      const fraction = p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 1;
      const elapsed = (now - started) / 1000;
      const eta = fraction > 0 ? Math.max(0, Math.round(elapsed / fraction - elapsed)) : 0;
      process.stderr.write(
        `import: ${(fraction * 100).toFixed(1)}% ${p.rows} rows ${rate(p.rows)} rows/s ETA ${eta}s\n`,
      );
    },
    stop() {},
  };
}
