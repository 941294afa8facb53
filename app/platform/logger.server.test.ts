import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { logger, logTo, maskPath, maskPhone, REDACTED_FIELDS } from "./logger.server";
import { withRequestId } from "./request-context.server";

describe("log masking", () => {
  it("hides short-link codes and query strings", () => {
    expect(maskPath("/r/Ab3dEf9hJk")).toBe("/r/***");
    expect(maskPath("/r/Ab3dEf9hJk/verify?x=1")).toBe("/r/***/verify");
    expect(maskPath("/staff/borrowers?q=Chan")).toBe("/staff/borrowers");
  });
  it("keeps only the country prefix and last four digits of a phone", () => {
    expect(maskPhone("+85291234567")).toBe("+852****4567");
    expect(maskPhone("+8613812345678")).toBe("+861******5678");
    expect(maskPhone("+85291234567")).not.toContain("9123");
  });
});

describe("the logger's redaction and request id", () => {
  const lines: string[] = [];
  logTo(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }) as never,
  );
  afterEach(() => {
    logger.level = "silent";
    lines.length = 0;
  });

  it("censors every listed field, at the top of a line's object and one level down", () => {
    logger.level = "info";
    const secret = "PERSONAL-VALUE-0042";
    const keys = REDACTED_FIELDS.map((field) => field.replace(/^\["(.*)"\]$/, "$1"));
    const values = Object.fromEntries(keys.map((key) => [key, secret]));
    logger.info({ ...values, nested: { ...values } }, "line");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0]!).nested[keys[0]!]).toBe("[redacted]");
  });

  it("writes the request id of the work in progress on every line, and none outside it", async () => {
    logger.level = "info";
    await withRequestId("req-0123456789", async () => {
      await Promise.resolve();
      logger.child({ part: "x" }).info("inside");
    });
    logger.info("outside");
    expect(lines.map((l) => JSON.parse(l).reqId)).toEqual(["req-0123456789", undefined]);
  });
});
