import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { embeddedUrl } from "../../db/embedded";
import { createTestDatabase } from "../support/database";

const serverAddress = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ addr: string | null }>("select inet_server_addr()::text as addr")).rows[0]!
      .addr;
  } finally {
    await client.end();
  }
};

describe("the embedded PostgreSQL's address (db/embedded.ts)", () => {
  it("is its Unix socket for this machine's clients, and TCP on 127.0.0.1 still answers for other tools", async () => {
    const t = await createTestDatabase();
    try {
      expect(decodeURIComponent(new URL(t.url).hostname)).toMatch(/^\//);
      expect(await serverAddress(t.url)).toBeNull(); // no server address: a Unix-domain connection
      const url = new URL(t.url);
      const tcp = `postgres://${url.username}:${url.password}@127.0.0.1:${url.port}${url.pathname}`;
      expect(await serverAddress(tcp)).toBe("127.0.0.1/32");
    } finally {
      await t.destroy();
    }
  });

  it("falls back to TCP when the socket is not there, or its path would not fit sockaddr_un or not be one list entry", () => {
    const root = mkdtempSync(join(tmpdir(), "settle-socket-"));
    // A file where the server's socket would be: embeddedUrl only checks that the path is there.
    const withSocket = (dir: string) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ".s.PGSQL.5432"), "");
      return dir;
    };
    try {
      expect(embeddedUrl(root, 5432, "settle")).toBe("postgres://settle:settle@127.0.0.1:5432/settle");
      const fits = withSocket(join(root, "pg"));
      expect(embeddedUrl(fits, 5432, "settle")).toBe(
        `postgres://settle:settle@${encodeURIComponent(fits)}:5432/settle`,
      );
      expect(embeddedUrl(withSocket(join(root, "x".repeat(110))), 5432, "settle")).toContain(
        "@127.0.0.1:5432/",
      );
      expect(embeddedUrl(withSocket(join(root, "a,b")), 5432, "settle")).toContain("@127.0.0.1:5432/");
      expect(embeddedUrl(withSocket(join(root, "a b")), 5432, "settle")).toContain("@127.0.0.1:5432/");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
