import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STAFF_ROLES } from "../../app/staff/permissions";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { queueSms } from "../../app/messaging/outbound-sms.server";
import { resolveShortLink } from "../../app/messaging/short-links.server";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";
import { ProviderError, type OutgoingSms, type SmsProvider } from "../../app/messaging/providers/provider";
import { sealQueuedLinkCodes, textToSend } from "../../app/messaging/sms-link-code.server";
import { cancelQueuedReminders } from "../../app/borrower/action-scope.server";
import { config } from "../../app/platform/config.server";
import type { SmsTemplateKey } from "../../app/domain/sms-templates";
import { loader as borrowerPage } from "../../app/routes/staff.borrowers.$borrowerId";
import { insertAccount, insertBorrower, insertMessage } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { createMigrator } from "../../db/migrate";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "../staff/support";

/**
 * Issue #17 item 4: a text's link code is never at rest in the clear. The stored body masks it, every
 * staff role sees only the mask, and the code itself is kept sealed until the dispatcher sends the text,
 * then dropped.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const CODE_IN_TEXT = /\/r\/([0-9A-Za-z]{16})/;

/** A fake real provider (the two-phase path: `sending` committed before the call) that keeps what it got. */
function recordingProvider(fail?: ProviderError) {
  const received: OutgoingSms[] = [];
  const provider: SmsProvider = {
    name: "twilio",
    async send(sms) {
      if (fail) throw fail;
      received.push(sms);
      return { providerMessageId: `SM${received.length}`, status: "sent" };
    },
  };
  return { provider, received };
}

/** A queued text that carries a link (a promise confirmation), and the live code only its seal holds. */
async function queuedLinkText(templateKey: SmsTemplateKey = "confirmation.promise_confirmed") {
  const borrower = await insertBorrower(t.db, { locale: "en", full_name: "Chan Tai Man" });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, last4: "4321" });
  const result = await t.db.transaction().execute((trx) =>
    queueSms(trx, {
      borrowerId: borrower.id,
      accountId: account.id,
      templateKey,
      purpose: templateKey.startsWith("reminder.") ? "reminder" : "confirmation",
      vars: { amount: "HK$500.00", dueDate: "30 November" },
    }),
  );
  if (result.status !== "queued") throw new Error(`not queued: ${result.reason}`);
  const row = await messageRow(result.messageId);
  const code = CODE_IN_TEXT.exec(textToSend(row))![1]!;
  return { borrower, account, messageId: result.messageId, code };
}

const messageRow = (id: string) =>
  t.db
    .selectFrom("messages")
    .select(["id", "body", "link_code_sealed", "status"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

/** Every table of the database whose rows, read as text (as a dump would print them), contain `needle`. */
async function tablesContaining(needle: string): Promise<string[]> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`.execute(
    t.db,
  );
  const found: string[] = [];
  for (const { schema, name } of tables) {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(`${schema}.${name}`)} r
      where r::text like ${`%${needle}%`}`.execute(t.db);
    if (rows[0]!.n > 0) found.push(`${schema}.${name}`);
  }
  return found;
}

describe("a queued text", () => {
  it("stores its body with the link code masked: no row of messages, nor any other table, holds the live code", async () => {
    const { messageId, code } = await queuedLinkText();
    // The code is live: it opens the borrower's link.
    expect((await resolveShortLink(t.db, code, config().linkSigningKeys)).status).toBe("ok");
    const row = await messageRow(messageId);
    expect(row.body).toContain("/r/•••••• ");
    expect(row.link_code_sealed).not.toBeNull();
    const { rows } = await sql<{ row: string }>`select m::text as row from messages m`.execute(t.db);
    for (const r of rows) expect(r.row).not.toContain(code);
    expect(await tablesContaining(code)).toEqual([]);
  });
});

describe("sending", () => {
  it("hands the provider the full text with a working code, then drops the sealed code; nothing at rest holds it", async () => {
    const { messageId, code } = await queuedLinkText();
    const { provider, received } = recordingProvider();
    expect((await dispatchSms(t.db, provider, messageId)).status).toBe("sent");
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toContain(`/r/${code} `);
    expect(received[0]!.body).not.toContain("•");
    expect((await resolveShortLink(t.db, code, config().linkSigningKeys)).status).toBe("ok");
    const row = await messageRow(messageId);
    expect(row).toMatchObject({ status: "sent", link_code_sealed: null });
    expect(row.body).toBe(received[0]!.body.replace(`/r/${code}`, "/r/••••••"));
    expect(await tablesContaining(code)).toEqual([]);
  });

  it("through the outbox provider: the phone's record has the text as sent, the message row only the mask", async () => {
    const { messageId, code } = await queuedLinkText();
    expect((await dispatchSms(t.db, outboxProvider, messageId)).status).toBe("delivered");
    const phone = await t.db
      .selectFrom("outbox_texts")
      .select("body")
      .where("message_id", "=", messageId)
      .executeTakeFirstOrThrow();
    expect(phone.body).toContain(`/r/${code} `);
    expect(await messageRow(messageId)).toMatchObject({ status: "delivered", link_code_sealed: null });
    expect(await tablesContaining(code)).toEqual(["public.outbox_texts"]);
  });

  it("keeps the sealed code for a retry, and drops it when the text fails for good or is cancelled", async () => {
    const retry = await queuedLinkText();
    const flaky = recordingProvider(new ProviderError("busy", "retryable", "429"));
    await expect(dispatchSms(t.db, flaky.provider, retry.messageId)).rejects.toThrow("busy");
    expect((await messageRow(retry.messageId)).link_code_sealed).not.toBeNull();

    const refused = recordingProvider(new ProviderError("bad number", "permanent", "21211"));
    expect((await dispatchSms(t.db, refused.provider, retry.messageId)).status).toBe("failed");
    expect(await messageRow(retry.messageId)).toMatchObject({ status: "failed", link_code_sealed: null });

    const cancelled = await queuedLinkText("reminder.early.A");
    await t.db
      .transaction()
      .execute((trx) =>
        cancelQueuedReminders(trx, { borrowerId: cancelled.borrower.id }, new Date(), "promise_made"),
      );
    expect(await messageRow(cancelled.messageId)).toMatchObject({
      status: "cancelled",
      link_code_sealed: null,
    });
  });

  it("a sealed code moved onto another text does not open there: that text fails instead of going out", async () => {
    const a = await queuedLinkText();
    const b = await queuedLinkText();
    const { link_code_sealed } = await messageRow(a.messageId);
    await t.db.updateTable("messages").set({ link_code_sealed }).where("id", "=", b.messageId).execute();
    const { provider, received } = recordingProvider();
    expect(await dispatchSms(t.db, provider, b.messageId)).toEqual({
      status: "failed",
      reason: "link_code_unreadable",
    });
    expect(received).toEqual([]);
  });
});

describe("the staff console", () => {
  it("shows every role the text with the mask, never the live code", async () => {
    const { borrower, code } = await queuedLinkText();
    for (const role of STAFF_ROLES) {
      const { user } = await enrolledStaff(t.db, role);
      const cookie = await signedInCookie(t.db, user);
      const page = await outcome(() =>
        borrowerPage({
          request: get(`/staff/borrowers/${borrower.id}`, cookie),
          params: { borrowerId: borrower.id },
          context: staffContext(t.db),
        } as never),
      );
      expect(page.status, role).toBe(200);
      const shown = JSON.stringify(page.data);
      expect(shown, role).toContain("/r/••••••");
      expect(shown, role).not.toContain(code);
    }
  });
});

describe("texts stored before masking (migration 0025)", () => {
  it("are masked by the migration; the outbox's past texts keep their link in its own record", async () => {
    const own = await createTestDatabase();
    try {
      const migrator = createMigrator(own.db);
      // Back to the schema before 0025 (and whatever came after it).
      const applied = async () =>
        (await sql<{ name: string }>`select name from kysely_migration`.execute(own.db)).rows;
      while ((await applied()).some((m) => m.name >= "0025"))
        expect((await migrator.migrateDown()).error).toBeUndefined();
      const account = await insertAccount(own.db);
      const code = "dZyXwVuTsRqP9876";
      const body = `Settle Bank: pay here https://pay.example.test/r/${code} Reply STOP to opt out`;
      const sent = await insertMessage(own.db, account, { body, status: "delivered", provider: "outbox" });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const row = await own.db
        .selectFrom("messages")
        .select("body")
        .where("id", "=", sent.id)
        .executeTakeFirstOrThrow();
      expect(row.body).toBe(body.replace(code, "••••••"));
      const phone = await own.db
        .selectFrom("outbox_texts")
        .select("body")
        .where("message_id", "=", sent.id)
        .executeTakeFirstOrThrow();
      expect(phone.body).toBe(body);
    } finally {
      await own.destroy();
    }
  });

  it("are sealed and masked at start-up, and still go out with their own code", async () => {
    const account = await insertAccount(t.db);
    const code = "dAbCdEfGhIjK1234";
    const legacy = await insertMessage(t.db, account, {
      body: `Settle Bank: pay here https://pay.example.test/r/${code} Reply STOP to opt out`,
      template_key: "confirmation.promise_confirmed",
    });
    expect(await sealQueuedLinkCodes(t.db)).toBe(1);
    const row = await messageRow(legacy.id);
    expect(row.body).toBe("Settle Bank: pay here https://pay.example.test/r/•••••• Reply STOP to opt out");
    expect(await tablesContaining(code)).toEqual([]);
    const { provider, received } = recordingProvider();
    expect((await dispatchSms(t.db, provider, legacy.id)).status).toBe("sent");
    expect(received[0]!.body).toBe(legacy.body);
    expect(await sealQueuedLinkCodes(t.db)).toBe(0);
  });
});
