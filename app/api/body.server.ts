import { BodyTooLarge, readCappedBody } from "../platform/request-body.server";
import { ApiError } from "./errors.server";

/**
 * Request bodies for /api/v1: size-limited (through the one capped reader,
 * app/platform/request-body.server.ts), JSON or NDJSON.
 */

/** 10,000 full records are ~5 MB of JSON; the limit leaves room for long names and NDJSON overhead. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Endpoints that take one small object. */
const MAX_OBJECT_BODY_BYTES = 64 * 1024;

type BodyFormat = "json" | "ndjson";

/** Reads the media type (lower case, without parameters) and refuses anything but the accepted formats. */
function requestBodyFormat(request: Request, accepted: readonly BodyFormat[]): BodyFormat {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const format: BodyFormat | null =
    mediaType === "application/json" || mediaType.endsWith("+json")
      ? "json"
      : mediaType === "application/x-ndjson" ||
          mediaType === "application/ndjson" ||
          mediaType === "application/jsonl"
        ? "ndjson"
        : null;
  if (!format || !accepted.includes(format)) {
    const allowed = accepted
      .map((f) => (f === "json" ? "application/json" : "application/x-ndjson"))
      .join(" or ");
    throw new ApiError(415, "unsupported_media_type", `Send the body as ${allowed}.`, { accepted: allowed });
  }
  const charset = /charset=([^;]+)/i
    .exec(request.headers.get("content-type") ?? "")?.[1]
    ?.trim()
    .replace(/"/g, "")
    .toLowerCase();
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new ApiError(415, "unsupported_media_type", "Bodies must be UTF-8.");
  }
  return format;
}

async function readBodyText(request: Request, maxBytes = MAX_BODY_BYTES): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readCappedBody(request, maxBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    throw new ApiError(
      413,
      "payload_too_large",
      `The body exceeds ${maxBytes} bytes; split it into smaller requests.`,
      { maxBytes },
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_body", "The body is not valid UTF-8.");
  }
}

/** A single JSON value (for endpoints taking one object). Unparseable -> 400. */
export async function readJsonBody(request: Request, maxBytes = MAX_OBJECT_BODY_BYTES): Promise<unknown> {
  requestBodyFormat(request, ["json"]);
  const text = await readBodyText(request, maxBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      400,
      "invalid_json",
      `The body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`,
    );
  }
}

/**
 * A list of records: a JSON array, or NDJSON (one JSON value per line, blank lines
 * ignored). Any unparseable line makes the whole body a 400: a client whose
 * serialiser is broken must not get half its data written.
 */
export async function readRecordList(
  request: Request,
  opts: { maxRecords: number; maxBytes?: number },
): Promise<unknown[]> {
  const format = requestBodyFormat(request, ["json", "ndjson"]);
  const text = await readBodyText(request, opts.maxBytes ?? MAX_BODY_BYTES);
  let records: unknown[];
  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ApiError(
        400,
        "invalid_json",
        `The body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`,
      );
    }
    if (!Array.isArray(parsed))
      throw new ApiError(400, "invalid_body", "The body must be a JSON array of records (or NDJSON).");
    records = parsed;
  } else {
    records = [];
    const badLines: { line: number; message: string }[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === "") continue;
      try {
        records.push(JSON.parse(line));
      } catch (error) {
        if (badLines.length < 100)
          badLines.push({ line: i + 1, message: error instanceof Error ? error.message : "parse error" });
      }
    }
    if (badLines.length > 0)
      throw new ApiError(400, "invalid_ndjson", "Some lines are not valid JSON; nothing was written.", {
        lines: badLines,
      });
  }
  if (records.length === 0) throw new ApiError(400, "invalid_body", "The body holds no records.");
  if (records.length > opts.maxRecords) {
    throw new ApiError(
      413,
      "too_many_records",
      `At most ${opts.maxRecords} records per request; split the batch.`,
      {
        maxRecords: opts.maxRecords,
        received: records.length,
      },
    );
  }
  return records;
}
