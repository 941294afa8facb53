import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSmsSendTask, dispatchSmsBatch } from "../../app/engine/dispatcher.server";
import { decideForAccount } from "../../app/engine/planner.server";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";
import { ProviderError, type SmsProvider } from "../../app/messaging/providers/provider";
import { addSmsSendJobs, SMS_SEND_BATCH } from "../../app/messaging/outbound-sms.server";
import type { Account } from "../../db/schema";
import { insertAccount, insertBorrower, insertMessage, insertPayment } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startTestWorker } from "../support/worker";

/**
 * `sms:send` batch jobs: several texts per job, claimed, re-decided, sent and recorded
 * set-based, with every guarantee of the one-text path (dispatcher.server.ts).
 */

// 13:30 in Hong Kong (the builders' borrowers): inside the contact window.
const NOW = new Date("2026-11-23T05:30:00Z");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

/** A provider that records every call; `fail(id)` decides per call whether to throw. */
function recordingProvider(fail: (messageId: string, attempt: number) => ProviderError | null = () => null) {
  const calls = new Map<string, number>();
  const accepted = new Map<string, number>();
  const provider: SmsProvider = {
    name: "twilio",
    async send(sms) {
      const attempt = (calls.get(sms.messageId) ?? 0) + 1;
      calls.set(sms.messageId, attempt);
      const error = fail(sms.messageId, attempt);
      if (error) throw error;
      accepted.set(sms.messageId, (accepted.get(sms.messageId) ?? 0) + 1);
      return { providerMessageId: `SM${sms.messageId.replace(/-/g, "")}`, status: "sent" };
    },
  };
  return { provider, calls, accepted };
}

/** A queued reminder for an account that is due a reminder at NOW (asserted, so the test cannot pass vacuously). */
async function dueReminder(account?: Account): Promise<{ account: Account; id: string }> {
  const acc = account ?? (await insertAccount(t.db));
  const decided = await decideForAccount(t.db, acc.id, NOW);
  expect(decided?.decision.action).toBe("send");
  const msg = await insertMessage(t.db, acc, {
    template_key: "reminder.early.a",
    stage: "early",
    created_at: new Date(NOW.getTime() - 60_000),
    scheduled_for: NOW,
  });
  return { account: acc, id: msg.id };
}

async function statusOf(id: string) {
  return (await t.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow())
    .status;
}

async function events(id: string) {
  return (
    await t.db
      .selectFrom("message_status_events")
      .select("status")
      .where("message_id", "=", id)
      .orderBy("id")
      .execute()
  ).map((e) => e.status);
}

describe("dispatchSmsBatch", () => {
  it("a payment made since queueing cancels that text; the rest of the batch is sent once", async () => {
    const texts = [await dueReminder(), await dueReminder(), await dueReminder()];
    const paid = texts[1]!;
    await insertPayment(t.db, paid.account, {
      amount_minor: paid.account.balance_minor,
      status: "succeeded",
      succeeded_at: new Date(),
    }); // after the balance_as_of of the bank's last file
    const { provider, calls } = recordingProvider();

    const outcomes = await dispatchSmsBatch(
      t.db,
      provider,
      texts.map((x) => x.id),
      NOW,
    );

    expect(outcomes.map((o) => o.status)).toEqual(["sent", "cancelled", "sent"]);
    expect(outcomes[1]).toEqual({ status: "cancelled", reason: "account_paid" });
    expect([...calls.keys()].sort()).toEqual([texts[0]!.id, texts[2]!.id].sort());
    expect(await statusOf(paid.id)).toBe("cancelled");
    expect(await events(paid.id)).toEqual(["cancelled"]);
    for (const x of [texts[0]!, texts[2]!]) {
      expect(await statusOf(x.id)).toBe("sent");
      expect(await events(x.id)).toEqual(["sending", "sent"]);
    }
    const sent = await t.db
      .selectFrom("messages")
      .select(["provider_message_id", "sent_at"])
      .where("id", "=", texts[0]!.id)
      .executeTakeFirstOrThrow();
    expect(sent.provider_message_id).toBe(`SM${texts[0]!.id.replace(/-/g, "")}`);
    expect(sent.sent_at).not.toBeNull();
  });

  it("a retryable failure mid-batch re-queues only that text; a retry of the whole batch sends nothing twice", async () => {
    const texts = [await dueReminder(), await dueReminder(), await dueReminder()];
    const flaky = texts[1]!.id;
    const { provider, calls, accepted } = recordingProvider((id, attempt) =>
      id === flaky && attempt === 1 ? new ProviderError("HTTP 503", "retryable") : null,
    );
    const ids = texts.map((x) => x.id);

    const first = await dispatchSmsBatch(t.db, provider, ids, NOW);
    expect(first.map((o) => o.status)).toEqual(["sent", "retry", "sent"]);
    expect(await statusOf(flaky)).toBe("queued");
    expect(await events(flaky)).toEqual(["sending", "queued"]);

    // The same batch again (a redelivered job, or a job that was retried whole): only the failed text goes out.
    const second = await dispatchSmsBatch(t.db, provider, ids, new Date(NOW.getTime() + 5_000));
    expect(second.map((o) => o.status)).toEqual(["skipped", "sent", "skipped"]);
    for (const id of ids) expect(accepted.get(id)).toBe(1);
    expect(calls.get(ids[0]!)).toBe(1);
    expect(calls.get(flaky)).toBe(2);
    const sentEvents = await t.db
      .selectFrom("message_status_events")
      .select("message_id")
      .where("message_id", "in", ids)
      .where("status", "=", "sent")
      .execute();
    expect(sentEvents).toHaveLength(3);
  });

  it("an ambiguous failure parks that text as failed; a text found 'sending' is in doubt and never sent", async () => {
    const texts = [await dueReminder(), await dueReminder(), await dueReminder()];
    await t.db.updateTable("messages").set({ status: "sending" }).where("id", "=", texts[0]!.id).execute();
    const { provider, calls } = recordingProvider((id) =>
      id === texts[2]!.id ? new ProviderError("timeout", "ambiguous") : null,
    );

    const outcomes = await dispatchSmsBatch(
      t.db,
      provider,
      texts.map((x) => x.id),
      NOW,
    );

    expect(outcomes).toEqual([
      { status: "failed", reason: "in_doubt_after_interrupted_send" },
      { status: "sent", providerMessageId: expect.any(String) },
      { status: "failed", reason: "ambiguous" },
    ]);
    expect(calls.has(texts[0]!.id)).toBe(false);
    expect(await statusOf(texts[2]!.id)).toBe("failed");
    const again = await dispatchSmsBatch(
      t.db,
      provider,
      texts.map((x) => x.id),
      NOW,
    );
    expect(again.map((o) => o.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(calls.get(texts[2]!.id)).toBe(1);
  });

  it("a reminder queued for a recipient read before an opt-out or a wrong-number report is not sent (the planner does not read consent twice)", async () => {
    const optedOut = await dueReminder();
    const wrongNumber = await dueReminder();
    const still = await dueReminder();
    // As if they landed between the planner reading its page and writing the texts: nothing cancelled them.
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: optedOut.account.borrower_id, sms_allowed: true, sms_opted_out_at: NOW })
      .execute();
    await t.db
      .updateTable("accounts")
      .set({ wrong_number_at: NOW })
      .where("id", "=", wrongNumber.account.id)
      .execute();
    const { provider, calls } = recordingProvider();

    const outcomes = await dispatchSmsBatch(t.db, provider, [optedOut.id, wrongNumber.id, still.id], NOW);

    expect(outcomes.map((o) => o.status)).toEqual(["cancelled", "cancelled", "sent"]);
    expect([...calls.keys()]).toEqual([still.id]);
    expect(await statusOf(optedOut.id)).toBe("cancelled");
    expect(await statusOf(wrongNumber.id)).toBe("cancelled");
  });

  it("an opt-out since queueing cancels a confirmation; keyword replies still go out; unknown ids are skipped", async () => {
    const optedOut = await insertAccount(t.db);
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: optedOut.borrower_id, sms_allowed: true, sms_opted_out_at: NOW })
      .execute();
    const confirmation = await insertMessage(t.db, optedOut, { template_key: "confirmation.promise" });
    const stopReply = await insertMessage(t.db, optedOut, { template_key: "confirmation.opted_out" });
    const other = await insertMessage(t.db, await insertAccount(t.db), {
      template_key: "confirmation.promise",
    });
    const { provider, calls } = recordingProvider();

    const outcomes = await dispatchSmsBatch(
      t.db,
      provider,
      [confirmation.id, stopReply.id, other.id, "00000000-0000-4000-8000-000000000000", "not-a-uuid"],
      NOW,
    );

    expect(outcomes.map((o) => o.status)).toEqual(["cancelled", "sent", "sent", "skipped", "skipped"]);
    expect(outcomes[0]).toEqual({ status: "cancelled", reason: "sms_opted_out" });
    expect([...calls.keys()].sort()).toEqual([stopReply.id, other.id].sort());
  });

  it("two reminders of one borrower are decided in turn: the second sees the first as sent and is rescheduled", async () => {
    const borrower = await insertBorrower(t.db);
    const a = await dueReminder(await insertAccount(t.db, { borrower_id: borrower.id }));
    const b = await dueReminder(await insertAccount(t.db, { borrower_id: borrower.id }));

    const outcomes = await dispatchSmsBatch(t.db, outboxProvider, [a.id, b.id], NOW);

    expect(outcomes[0]).toMatchObject({ status: "delivered" });
    expect(outcomes[1]).toMatchObject({ status: "rescheduled" });
    const until = (outcomes[1] as { until: Date }).until;
    expect(until.getTime()).toBeGreaterThan(NOW.getTime());
    expect(await statusOf(b.id)).toBe("queued");
    const row = await t.db
      .selectFrom("messages")
      .select("scheduled_for")
      .where("id", "=", b.id)
      .executeTakeFirstOrThrow();
    expect(row.scheduled_for).toEqual(until);
    // Its new job is a batch job due at the new time.
    const job = await sql<{
      payload: unknown;
      run_at: Date;
    }>`select payload, run_at from graphile_worker._private_jobs where key = ${`sms:${b.id}:${until.toISOString()}`}`.execute(
      t.db,
    );
    expect(job.rows).toHaveLength(1);
    expect(job.rows[0]!.payload).toEqual([{ messageId: b.id }]);
    expect(job.rows[0]!.run_at).toEqual(until);
    await sql`delete from graphile_worker._private_jobs`.execute(t.db);
  });
});

describe("sms:send batch jobs", () => {
  it("addSmsSendJobs puts up to SMS_SEND_BATCH texts in a job, one job per due time", async () => {
    const at = new Date("2030-01-01T00:00:00Z");
    const later = new Date("2030-01-01T01:00:00Z");
    const texts = [
      ...Array.from({ length: SMS_SEND_BATCH + 5 }, (_, i) => ({
        messageId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
        runAt: at,
      })),
      { messageId: "00000000-0000-4000-9000-000000000001", runAt: later },
    ];
    await t.db.transaction().execute((trx) => addSmsSendJobs(trx, texts));
    const jobs = await sql<{
      payload: Array<{ messageId: string }>;
      run_at: Date;
      key: string;
      max_attempts: number;
    }>`
      select payload, run_at, key, max_attempts from graphile_worker._private_jobs order by run_at, json_array_length(payload) desc`.execute(
      t.db,
    );
    expect(jobs.rows.map((j) => [j.payload.length, j.run_at.toISOString(), j.max_attempts])).toEqual([
      [SMS_SEND_BATCH, at.toISOString(), 8],
      [5, at.toISOString(), 8],
      [1, later.toISOString(), 8],
    ]);
    expect(jobs.rows.flatMap((j) => j.payload.map((p) => p.messageId)).sort()).toEqual(
      texts.map((x) => x.messageId).sort(),
    );
    expect(jobs.rows[0]!.key).toBe(`sms:${texts[0]!.messageId}`);
    await sql`delete from graphile_worker._private_jobs`.execute(t.db);
  });

  it("the task still runs a job queued before batching ({ messageId })", async () => {
    const { id } = await dueReminder();
    const { provider, accepted } = recordingProvider();
    const task = createSmsSendTask(
      t.db,
      () => provider,
      () => NOW,
    );
    await task({ messageId: id }, {} as never);
    expect(accepted.get(id)).toBe(1);
    expect(await statusOf(id)).toBe("sent");
  });

  it(
    "through graphile-worker: a retryable failure retries only that text, with backoff; every text is sent exactly once",
    { timeout: 30_000 },
    async () => {
      const texts = [await dueReminder(), await dueReminder(), await dueReminder(), await dueReminder()];
      const flaky = texts[2]!.id;
      const failedAt: number[] = [];
      const { provider, calls, accepted } = recordingProvider((id, attempt) => {
        if (id !== flaky || attempt > 1) return null;
        failedAt.push(Date.now());
        return new ProviderError("HTTP 500", "retryable");
      });
      const sentAt = new Map<string, number>();
      const timed: SmsProvider = {
        name: "twilio",
        send: async (sms) => provider.send(sms).then((r) => (sentAt.set(sms.messageId, Date.now()), r)),
      };
      await t.db.transaction().execute((trx) =>
        addSmsSendJobs(
          trx,
          texts.map((x) => ({ messageId: x.id, runAt: new Date(Date.now() - 1_000) })),
        ),
      );

      let runner: Runner | undefined;
      try {
        runner = await startTestWorker(t.pool, {
          "sms:send": createSmsSendTask(
            t.db,
            () => timed,
            () => NOW,
          ),
        });
        // After the first attempt the job holds only the failed entry, waiting for its backoff.
        const deadline = Date.now() + 10_000;
        let retrying: { payload: unknown; attempts: number } | undefined;
        while (!retrying && Date.now() < deadline) {
          const rows = await sql<{
            payload: unknown;
            attempts: number;
          }>`select payload, attempts from graphile_worker._private_jobs where attempts > 0 and locked_at is null`.execute(
            t.db,
          );
          retrying = rows.rows[0];
          if (!retrying) await new Promise((r) => setTimeout(r, 50));
        }
        expect(retrying).toEqual({ payload: [{ messageId: flaky }], attempts: 1 });
        const done = Date.now() + 15_000;
        while ((await statusOf(flaky)) !== "sent" && Date.now() < done)
          await new Promise((r) => setTimeout(r, 100));
      } finally {
        await runner?.stop();
      }
      expect(await statusOf(flaky)).toBe("sent");
      expect(sentAt.get(flaky)! - failedAt[0]!).toBeGreaterThanOrEqual(2_000); // graphile-worker's exponential backoff
      for (const x of texts) {
        expect(accepted.get(x.id)).toBe(1);
        expect(await statusOf(x.id)).toBe("sent");
      }
      expect(calls.get(texts[0]!.id)).toBe(1);
      const left = await sql<{ n: string }>`select count(*) as n from graphile_worker._private_jobs`.execute(
        t.db,
      );
      expect(Number(left.rows[0]!.n)).toBe(0);
    },
  );
});
