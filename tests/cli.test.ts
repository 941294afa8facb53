import { runSettle } from "./support/cli";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../app/cli/settle";
import { UsageError } from "../app/cli/command";

describe("settle CLI argument handling", () => {
  it("rejects an unknown command, a missing command and unknown flags with a usage error", () => {
    expect(() => parseCommandLine([])).toThrow(UsageError);
    expect(() => parseCommandLine(["db:explode"])).toThrow(/Unknown command "db:explode"/);
    expect(() => parseCommandLine(["db:migrate", "--force"])).toThrow(/Unknown option '--force'/);
  });

  it("accepts a known command", () => {
    expect(parseCommandLine(["db:migrate"]).command.name).toBe("db:migrate");
  });

  it("prints the usage and exits 2 as a real process", () => {
    const result = runSettle(["no-such-command"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown command "no-such-command"');
    expect(result.stderr).toContain("Usage: npm run settle -- <command> [options]");
    expect(result.stderr).toContain("db:migrate");
  });
});
