import { randomUUID } from "node:crypto";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { createInstance } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, CallOutcome, Message } from "../../db/schema";
import { i18nConfig } from "../../app/i18n/config";
import { appendAudit } from "../../app/platform/audit.server";
import { loadChannelContacts, type ChannelContacts } from "../../app/staff/contacts-by-channel.server";
import { parseOutcomeFilters } from "../../app/staff/outcome-filters";
import { ContactsByChannel } from "../../app/staff/ui/ContactsByChannel";
import { loader as csvLoader } from "../../app/routes/staff.outcomes[.]csv";
import { loader as dashboardLoader } from "../../app/routes/staff.dashboard";
import enConsole from "../../locales/en/console.json";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower, insertMessage } from "../support/builders";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

/**
 * Contacts by channel and outcome (docs/outcomes.md) against a small book computed by hand. The period is
 * January 2030 in Hong Kong time (the console's default zone): [2029-12-31T16:00Z, 2030-01-31T16:00Z).
 *
 * HK account (borrower H):
 *   texts: #1 sent Jan 3, delivered, its link opened; #2 sent Jan 4, undelivered; #3 sent Jan 5, failed
 *     after the send; #4 failed before the send (no sent_at), scheduled Jan 6; #5 sent Dec 31 23:59 local
 *     (out); #6 sent Jan 1 00:00 local, status sent; an inbound text (not a contact).
 *   emails: E1 sent Jan 2 and E2 sent Jan 7 to the same address, hard bounce Jan 8 (E2's, not E1's);
 *     E3 refused by SMTP Jan 9; E4 sent Jan 12, complaint Jan 13, unsubscribed through it Jan 13;
 *     E5 sent Dec 20 (out), bounced Jan 3; E6 skipped Jan 14 (not a contact).
 *   calls: no_answer Jan 3 and Jan 4, right_party_contact Jan 5, promise_made Jan 6, callback_requested
 *     Jan 7, busy Jan 8 (an older outcome), wrong_number Dec 30 (out).
 *   visits: opened Jan 2 (still open); opened Dec 28, done Jan 3; opened Jan 10, cancelled Jan 11; a call
 *     task opened Jan 4 (not a visit); visits recorded: not_home Jan 3, met Jan 5, moved Dec 29 (out).
 * CN account (borrower C):
 *   a text sent Jan 10, delivered; E7 sent Jan 15; calls refused Jan 9, wrong_number Jan 10, no_answer
 *   Feb 1 00:00 local (out); a visit opened Jan 20, done Jan 22, recorded as promise_made Jan 22.
 */
const FROM = "2030-01-01";
const TO = "2030-01-31";
const TZ = "Asia/Hong_Kong";
const at = (iso: string) => new Date(`${iso}Z`);

let t: TestDatabase;
let hk: Account;
let cn: Account;
let decisionId = 1;

async function text(account: Account, overrides: Partial<Message>) {
  return insertMessage(t.db, account, { template_key: "reminder.early.A", stage: "early", ...overrides });
}

async function email(
  account: Account,
  status: "sent" | "failed" | "skipped",
  created: string,
  to: string | null,
): Promise<string> {
  const id = randomUUID();
  await t.db
    .insertInto("emails")
    .values({
      id,
      decision_id: decisionId++,
      borrower_id: account.borrower_id,
      account_id: account.id,
      to_address: to,
      status,
      stage: "early",
      template_key: "email.early",
      locale: "en",
      created_at: at(created),
      sent_at: status === "sent" ? at(created) : null,
    })
    .execute();
  return id;
}

async function call(account: Account, outcome: CallOutcome, when: string) {
  await t.db
    .insertInto("call_attempts")
    .values({ borrower_id: account.borrower_id, account_id: account.id, outcome, occurred_at: at(when) })
    .execute();
}

async function task(
  account: Account,
  kind: "visit" | "call",
  created: string,
  status: "open" | "done" | "cancelled" = "open",
  resolved?: string,
) {
  await t.db
    .insertInto("tasks")
    .values({
      kind,
      borrower_id: account.borrower_id,
      account_id: account.id,
      status,
      created_at: at(created),
      resolved_at: resolved ? at(resolved) : null,
    })
    .execute();
}

async function seedTexts() {
  const opened = await text(hk, { status: "delivered", sent_at: at("2030-01-03T02:00:00") });
  await t.db
    .insertInto("short_links")
    .values({
      code_hash: "contacts-h1",
      key_id: "k",
      borrower_id: hk.borrower_id,
      account_id: hk.id,
      message_id: opened.id,
      expires_at: at("2030-03-01T00:00:00"),
      first_opened_at: at("2030-01-03T03:00:00"),
    })
    .execute();
  await text(hk, { status: "undelivered", sent_at: at("2030-01-04T02:00:00") });
  await text(hk, { status: "failed", sent_at: at("2030-01-05T02:00:00") });
  await text(hk, { status: "failed", scheduled_for: at("2030-01-06T02:00:00") });
  await text(hk, { status: "delivered", sent_at: at("2029-12-31T15:59:00") });
  await text(hk, { status: "sent", sent_at: at("2029-12-31T16:00:00") });
  await text(hk, { direction: "inbound", status: "received", sent_at: at("2030-01-07T00:00:00") });
  await text(cn, { status: "delivered", sent_at: at("2030-01-10T02:00:00") });
}

async function seedEmails() {
  await email(hk, "sent", "2030-01-02T02:00:00", "H@Example.test");
  await email(hk, "sent", "2030-01-07T02:00:00", "h@example.test");
  await email(hk, "failed", "2030-01-09T02:00:00", "h@example.test");
  const complained = await email(hk, "sent", "2030-01-12T02:00:00", "h2@example.test");
  await email(hk, "sent", "2029-12-20T02:00:00", "old@example.test");
  await email(hk, "skipped", "2030-01-14T02:00:00", null);
  await email(cn, "sent", "2030-01-15T02:00:00", "c@example.test");
  await t.db
    .insertInto("email_suppressions")
    .values([
      { address: "h@example.test", reason: "hard_bounce", suppressed_at: at("2030-01-08T00:00:00") },
      { address: "h2@example.test", reason: "complaint", suppressed_at: at("2030-01-13T00:00:00") },
      { address: "old@example.test", reason: "hard_bounce", suppressed_at: at("2030-01-03T00:00:00") },
    ])
    .execute();
  await appendAudit(
    t.db,
    {
      actorType: "borrower",
      actorId: hk.borrower_id,
      action: "email.unsubscribed",
      subjectType: "borrower",
      subjectId: hk.borrower_id,
      borrowerId: hk.borrower_id,
      detail: { via: "link", emailId: complained },
    },
    at("2030-01-13T01:00:00"),
  );
}

async function seedCallsAndVisits() {
  await call(hk, "no_answer", "2030-01-03T01:00:00");
  await call(hk, "no_answer", "2030-01-04T01:00:00");
  await call(hk, "right_party_contact", "2030-01-05T01:00:00");
  await call(hk, "promise_made", "2030-01-06T01:00:00");
  await call(hk, "callback_requested", "2030-01-07T01:00:00");
  await call(hk, "busy", "2030-01-08T01:00:00");
  await call(hk, "wrong_number", "2029-12-30T01:00:00");
  await call(cn, "refused", "2030-01-09T01:00:00");
  await call(cn, "wrong_number", "2030-01-10T01:00:00");
  await call(cn, "no_answer", "2030-01-31T16:00:00");
  await task(hk, "visit", "2030-01-02T01:00:00");
  await task(hk, "visit", "2029-12-28T01:00:00", "done", "2030-01-03T01:00:00");
  await task(hk, "visit", "2030-01-10T01:00:00", "cancelled", "2030-01-11T01:00:00");
  await task(hk, "call", "2030-01-04T01:00:00");
  await task(cn, "visit", "2030-01-20T01:00:00", "done", "2030-01-22T01:00:00");
  for (const [account, outcome, when] of [
    [hk, "not_home", "2030-01-03T01:00:00"],
    [hk, "met", "2030-01-05T01:00:00"],
    [hk, "moved", "2029-12-29T01:00:00"],
    [cn, "promise_made", "2030-01-22T01:00:00"],
  ] as const)
    await t.db
      .insertInto("visit_attempts")
      .values({ borrower_id: account.borrower_id, account_id: account.id, outcome, occurred_at: at(when) })
      .execute();
}

beforeAll(async () => {
  t = await createTestDatabase();
  const h = await insertBorrower(t.db, { jurisdiction: "HK", locale: "en" });
  const c = await insertBorrower(t.db, { jurisdiction: "CN", locale: "zh-CN", time_zone: "Asia/Shanghai" });
  hk = await insertAccount(t.db, { borrower_id: h.id });
  cn = await insertAccount(t.db, { borrower_id: c.id, currency: "CNY", product: "personal_loan" });
  await seedTexts();
  await seedEmails();
  await seedCallsAndVisits();
});
afterAll(async () => {
  await t.destroy();
});

function contacts(query: Record<string, string> = {}) {
  const parsed = parseOutcomeFilters(new URLSearchParams({ from: FROM, to: TO, ...query }), "2030-02-15");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return loadChannelContacts(t.db, parsed.filters, { timeZone: TZ });
}

const WHOLE_BOOK: ChannelContacts = {
  sms: { sent: 5, delivered: 2, undelivered: 3, opened: 1 },
  email: { sent: 4, failed: 1, bounced: 1, complained: 1, unsubscribed: 1 },
  calls: {
    total: 8,
    no_answer: 2,
    right_party_contact: 1,
    promise_made: 1,
    wrong_number: 1,
    refused: 1,
    callback_requested: 1,
    other: 1,
  },
  visits: { opened: 3, done: 2, cancelled: 1, met: 1, not_home: 1, refused: 0, moved: 0, promise_made: 1 },
};

describe("contacts by channel and outcome against a hand-computed book", () => {
  it("counts every channel's contacts and outcomes in the period, by local time", async () => {
    expect(await contacts()).toEqual(WHOLE_BOOK);
  });

  it("keeps to the filters' scope: a CN-only view counts only the CN account's contacts", async () => {
    expect(await contacts({ jurisdiction: "CN" })).toEqual({
      sms: { sent: 1, delivered: 1, undelivered: 0, opened: 0 },
      email: { sent: 1, failed: 0, bounced: 0, complained: 0, unsubscribed: 0 },
      calls: {
        total: 2,
        no_answer: 0,
        right_party_contact: 0,
        promise_made: 0,
        wrong_number: 1,
        refused: 1,
        callback_requested: 0,
        other: 0,
      },
      visits: {
        opened: 1,
        done: 1,
        cancelled: 0,
        met: 0,
        not_home: 0,
        refused: 0,
        moved: 0,
        promise_made: 1,
      },
    });
  });

  it("moves with the period: February holds only the call logged at its first local minute", async () => {
    const feb = await contacts({ from: "2030-02-01", to: "2030-02-28" });
    expect(feb.calls).toMatchObject({ total: 1, no_answer: 1 });
    expect(feb.sms.sent + feb.email.sent + feb.visits.opened).toBe(0);
  });
});

describe("on the dashboard and in its CSV", () => {
  it("the dashboard shows the table and chart for the period chosen", async () => {
    const { user } = await enrolledStaff(t.db, "supervisor");
    const page = await outcome(async () =>
      dashboardLoader({
        request: get(`/staff/dashboard?from=${FROM}&to=${TO}`, await signedInCookie(t.db, user)),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(page.status).toBe(200);
    const view = (page.data as { outcomes: { view: { contacts: ChannelContacts } } }).outcomes.view;
    expect(view.contacts).toEqual(WHOLE_BOOK);

    const i18n = createInstance();
    await i18n.use(initReactI18next).init({
      ...i18nConfig,
      lng: "en",
      ns: ["console"],
      defaultNS: "console",
      resources: { en: { console: enConsole } },
    });
    const html = renderToStaticMarkup(
      createElement(I18nextProvider, { i18n }, createElement(ContactsByChannel, { contacts: view.contacts })),
    );
    expect(html).toContain("<figcaption");
    expect(html).toContain(
      '<tr data-contact="sms.undelivered"><th scope="row">Undelivered or failed</th><td>3</td>',
    );
    expect(html).toContain('<tr data-contact="email.bounced"><th scope="row">Bounced</th><td>1</td>');
    expect(html).toContain('<th scope="row">Spoke to the borrower</th><td>1</td>');
    expect(html).toContain('<tr data-contact="visits.opened"><th scope="rowgroup" rowspan="8">Visits</th>');
  });

  it("the outcomes CSV carries one row per channel and outcome", async () => {
    const { user } = await enrolledStaff(t.db, "admin");
    const response = (await csvLoader({
      request: get(`/staff/outcomes.csv?from=${FROM}&to=${TO}`, await signedInCookie(t.db, user)),
      params: {},
      context: staffContext(t.db),
    } as never)) as Response;
    const body = await response.text();
    for (const row of [
      "contacts_sms,,sent,,,5",
      "contacts_sms,,undelivered,,,3",
      "contacts_email,,bounced,,,1",
      "contacts_email,,unsubscribed,,,1",
      "contacts_calls,,total,,,8",
      "contacts_calls,,right_party_contact,,,1",
      "contacts_calls,,other,,,1",
      "contacts_visits,,cancelled,,,1",
      "contacts_visits,,promise_made,,,1",
    ])
      expect(body).toContain(`${row}\r\n`);
  });
});
