import { SMTPServer } from "smtp-server";
import { freePort } from "./free-port";

/** One message as a real SMTP server received it: the envelope, the raw headers, and its decoded parts. */
interface ReceivedEmail {
  to: string[];
  raw: string;
  headers: string;
  /** Decoded body of each leaf part by content type (text/plain, text/html). */
  parts: Record<string, string>;
}

/**
 * A real SMTP server (smtp-server) on a loopback port for the tests: nodemailer talks SMTP to it over
 * TCP, and every message it accepts is kept, raw and decoded (quoted-printable or base64 parts). It can be
 * told to refuse the next messages, as a busy server would.
 */
export async function startSmtpServer() {
  const received: ReceivedEmail[] = [];
  // Messages still to refuse with a temporary failure (451), to exercise a sender's retries.
  let refusing = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (refusing > 0) {
          refusing -= 1;
          callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          headers: unfold(raw.split(/\r?\n\r?\n/)[0] ?? ""),
          parts: decodeParts(raw),
        });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Refuse the next `n` messages with 451 (a temporary failure). */
    refuseNext(n: number) {
      refusing = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const unfold = (headers: string) => headers.replace(/\r?\n[ \t]+/g, " ");

function decodeParts(raw: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const chunk of raw.split(/\r?\n--[^\r\n]+/)) {
    const [head = "", ...rest] = chunk.split(/\r?\n\r?\n/);
    const headers = unfold(head);
    const type = /content-type:\s*(text\/(?:plain|html))/i.exec(headers)?.[1]?.toLowerCase();
    if (!type) continue;
    const body = rest.join("\n\n");
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    parts[type] =
      encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : encoding === "quoted-printable"
          ? Buffer.from(
              body
                .replace(/=\r?\n/g, "")
                .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
              "latin1",
            ).toString("utf8")
          : body;
  }
  return parts;
}
