import { afterAll, beforeAll, describe, expect, it } from "vitest";
import i18next from "i18next";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower } from "../support/builders";
import { config } from "../../app/platform/config.server";
import { fillSmsTemplate, getSmsTemplate, type SmsTemplateKey } from "../../app/domain/sms-templates";
import { queueSms } from "../../app/messaging/outbound-sms.server";
import { sendableReminderVariants } from "../../app/messaging/sms-template-store.server";
import { action as editAction, loader as editLoader } from "../../app/routes/staff.templates.edit";
import { action as listAction, loader as listLoader } from "../../app/routes/staff.templates._index";
import type { TemplateGroup } from "../../app/staff/sms-templates.server";
import type { TemplateActionData } from "../../app/staff/ui/TemplateEditor";
import en from "../../locales/en/console.json";
import zhHK from "../../locales/zh-HK/console.json";
import zhCN from "../../locales/zh-CN/console.json";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let supervisor: string;
let supervisorId: string;
let approver: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const s = await enrolledStaff(t.db, "supervisor");
  supervisorId = s.user.id;
  supervisor = await signedInCookie(t.db, s.user);
  approver = await signedInCookie(t.db, (await enrolledStaff(t.db, "approver")).user);
  await i18next.init({
    resources: { en: { console: en }, "zh-HK": { console: zhHK }, "zh-CN": { console: zhCN } },
    lng: "zh-HK",
    ns: ["console"],
    interpolation: { escapeValue: false },
  });
});
afterAll(async () => {
  await t?.destroy();
});

const EN_EARLY_A = getSmsTemplate("en", "reminder.early.A");
const edit = (form: Record<string, string>, cookie = supervisor) =>
  outcome(() =>
    editAction({
      request: post("/staff/templates/edit", form, cookie),
      params: {},
      context: staffContext(t.db),
    }),
  );
const slot = { stage: "early", variant: "A", locale: "en" };
const templateRows = () =>
  t.db
    .selectFrom("sms_templates")
    .select(["stage", "variant", "locale", "version", "active", "body", "created_by_staff_id"])
    .orderBy("stage")
    .orderBy("variant")
    .orderBy("locale")
    .orderBy("version")
    .execute();
const templateAudits = () =>
  t.db
    .selectFrom("audit_events")
    .select(["action", "actor_id", "detail"])
    .where("action", "like", "sms_template.%")
    .orderBy("id")
    .execute();

/** Queues a reminder for a fresh English borrower and returns the stored body. */
async function queuedBody(templateKey: SmsTemplateKey, locale: "en" | "zh-HK" = "en") {
  const borrower = await insertBorrower(t.db, { full_name: "Chan Tai Man", locale });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, last4: "4321" });
  const result = await t.db.transaction().execute((trx) =>
    queueSms(trx, {
      borrowerId: borrower.id,
      accountId: account.id,
      templateKey,
      purpose: "reminder",
      vars: { amount: "HK$500.00", dueDate: "30 November" },
    }),
  );
  if (result.status !== "queued") throw new Error(`not queued: ${result.reason}`);
  return (
    await t.db
      .selectFrom("messages")
      .select("body")
      .where("id", "=", result.messageId)
      .executeTakeFirstOrThrow()
  ).body;
}

describe("SMS template editor", () => {
  it("refuses an invalid text with translated reasons, and saves nothing", async () => {
    const body = `${EN_EARLY_A.replace(" Reply STOP to opt out", "").replace("{{link}}", "{{ackNumber}}")} ${"Please do pay. ".repeat(12)}`;
    const o = await edit({ intent: "save", ...slot, baseVersion: "0", body });
    expect(o.status).toBe(400);
    const reply = o.data as TemplateActionData;
    expect(reply.body).toBe(body);
    expect(reply.problems!.map((p) => p.code)).toEqual([
      "missing_placeholder",
      "extra_placeholder",
      "opt_out_missing",
      "too_many_segments",
    ]);
    // Every reason has a sentence in every language, with its values filled in.
    for (const lng of ["en", "zh-HK", "zh-CN"]) {
      for (const problem of reply.problems!) {
        const text = i18next.t(`templates.problems.${problem.code}`, { ...problem, lng, ns: "console" });
        expect(text, `${lng} ${problem.code}`).not.toContain("templates.problems");
        expect(text).not.toMatch(/\{\{/);
      }
    }
    expect(
      i18next.t("templates.problems.missing_placeholder", {
        ...reply.problems![0],
        lng: "zh-HK",
        ns: "console",
      }),
    ).toBe("請加入佔位符 link：預設內容有使用。");
    expect(await templateRows()).toEqual([]);
    expect(await templateAudits()).toEqual([]);
  });

  it("previews without writing; approvers may not preview or save", async () => {
    const o = await edit({ intent: "preview", ...slot, baseVersion: "0", body: "draft {{name}}" });
    expect(o).toMatchObject({ status: 200, data: { intent: "preview", body: "draft {{name}}" } });
    expect(
      (await edit({ intent: "save", ...slot, baseVersion: "0", body: EN_EARLY_A }, approver)).status,
    ).toBe(403);
    expect(
      (await edit({ intent: "preview", ...slot, baseVersion: "0", body: EN_EARLY_A }, approver)).status,
    ).toBe(403);
    expect(await templateRows()).toEqual([]);
  });

  it("a saved text becomes the active version, is audited, and queueSms sends it", async () => {
    expect(await queuedBody("reminder.early.A")).toContain("it looks like the payment of HK$500.00");
    const v1 = EN_EARLY_A.replace("It happens.", "These things happen.");
    const saved = await edit({ intent: "save", ...slot, baseVersion: "0", body: v1 });
    expect(saved).toMatchObject({
      status: 303,
      location: "/staff/templates/edit?stage=early&variant=A&locale=en&saved=1",
    });

    const body = await queuedBody("reminder.early.A");
    expect(body).toContain("These things happen.");
    expect(body).toMatch(
      /^Settle Bank: Hello Chan Tai Man, .* ending 4321 .* Please pay by 30 November: http:\/\/\S+\/r\/•{6} Questions\?/,
    );
    // Other languages and variants still use their defaults.
    expect(await queuedBody("reminder.early.B")).toContain("is overdue. Amount due: HK$500.00");
    expect(await queuedBody("reminder.early.A", "zh-HK")).toContain("回T退訂");

    const v2 = EN_EARLY_A.replace("It happens.", "No problem.");
    expect((await edit({ intent: "save", ...slot, baseVersion: "1", body: v2 })).status).toBe(303);
    expect(await queuedBody("reminder.early.A")).toContain("No problem.");
    expect((await templateRows()).map((r) => [r.version, r.active, r.created_by_staff_id])).toEqual([
      [1, false, supervisorId],
      [2, true, supervisorId],
    ]);
    const audits = await templateAudits();
    expect(audits.map((a) => a.detail)).toEqual([
      expect.objectContaining({
        key: "reminder.early.A",
        locale: "en",
        version: 1,
        previousVersion: 0,
        body: v1,
        segments: 2,
      }),
      expect.objectContaining({ version: 2, previousVersion: 1, body: v2 }),
    ]);

    const page = await outcome(() =>
      editLoader({
        request: get("/staff/templates/edit?stage=early&variant=A&locale=en", supervisor),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(page.data).toMatchObject({
      version: 2,
      body: v2,
      defaultBody: EN_EARLY_A,
      history: [
        { version: 2, active: true },
        { version: 1, active: false },
      ],
    });
  });

  it("a save from a stale editor is refused", async () => {
    const o = await edit({
      intent: "save",
      ...slot,
      baseVersion: "1",
      body: EN_EARLY_A.replace("It happens.", "Stale."),
    });
    expect(o.status).toBe(409);
    expect((o.data as TemplateActionData).conflictVersion).toBe(2);
    expect(await queuedBody("reminder.early.A")).toContain("No problem.");
  });

  it("edits confirmations too; the opt-out instruction is only required in reminders", async () => {
    const body = "{{bank}}: Payment reminder texts from us. Help: {{hotline}}";
    const o = await edit({
      intent: "save",
      stage: "help",
      variant: "A",
      locale: "en",
      baseVersion: "0",
      body,
    });
    expect(o.status).toBe(303);
    const borrower = await insertBorrower(t.db);
    const queued = await t.db.transaction().execute((trx) =>
      queueSms(trx, {
        borrowerId: borrower.id,
        accountId: null,
        templateKey: "confirmation.help",
        purpose: "keyword_reply",
      }),
    );
    expect(queued.status).toBe("queued");
    const row = await t.db
      .selectFrom("messages")
      .select("body")
      .where("borrower_id", "=", borrower.id)
      .executeTakeFirstOrThrow();
    expect(row.body).toBe(
      fillSmsTemplate(body, { bank: config().BANK_SMS_NAME, hotline: config().BANK_HOTLINE }),
    );
  });

  it("adds an A/B variant in every language, which the sender can then use", async () => {
    const added = await outcome(() =>
      listAction({
        request: post("/staff/templates", { intent: "add_variant", stage: "late", variant: "c" }, supervisor),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(added).toMatchObject({
      status: 303,
      location: "/staff/templates/edit?stage=late&variant=C&locale=en&added=1",
    });
    const rows = (await templateRows()).filter((r) => r.stage === "late");
    expect(rows.map((r) => [r.variant, r.locale, r.version, r.active])).toEqual([
      ["C", "en", 1, true],
      ["C", "zh-CN", 1, true],
      ["C", "zh-HK", 1, true],
    ]);
    expect(rows.find((r) => r.locale === "zh-HK")!.body).toBe(getSmsTemplate("zh-HK", "reminder.late.A"));
    expect(await sendableReminderVariants(t.db, "late")).toEqual(["A", "B", "C"]);

    const again = await outcome(() =>
      listAction({
        request: post("/staff/templates", { intent: "add_variant", stage: "late", variant: "C" }, supervisor),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(again.status).toBe(409);
    expect(again.data).toEqual({ error: "console:templates.errors.variantExists" });
    const badName = await outcome(() =>
      listAction({
        request: post(
          "/staff/templates",
          { intent: "add_variant", stage: "late", variant: "c d" },
          supervisor,
        ),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(badName.status).toBe(400);

    const c = getSmsTemplate("en", "reminder.late.A").replace(
      "Our team may call you to help.",
      "We are here to help.",
    );
    expect(
      (await edit({ intent: "save", stage: "late", variant: "C", locale: "en", baseVersion: "1", body: c }))
        .status,
    ).toBe(303);
    expect(await queuedBody("reminder.late.C")).toContain("We are here to help.");

    const list = await outcome(() =>
      listLoader({ request: get("/staff/templates", supervisor), params: {}, context: staffContext(t.db) }),
    );
    const late = (list.data as { groups: TemplateGroup[] }).groups.find((g) => g.stage === "late")!;
    expect(late.variants.map((v) => [v.variant, v.added])).toEqual([
      ["A", false],
      ["B", false],
      ["C", true],
    ]);
    expect(late.variants[2]!.entries.find((e) => e.locale === "en")).toMatchObject({ version: 2, ok: true });
  });

  it("an unknown template slot is not editable", async () => {
    const o = await outcome(() =>
      editLoader({
        request: get("/staff/templates/edit?stage=early&variant=Q&locale=en", supervisor),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(o.status).toBe(404);
    const save = await edit({
      intent: "save",
      stage: "early",
      variant: "Q",
      locale: "en",
      baseVersion: "0",
      body: EN_EARLY_A,
    });
    expect(save.status).toBe(404);
    const missing = await outcome(() =>
      editLoader({
        request: get("/staff/templates/edit", supervisor),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(missing).toMatchObject({ status: 303, location: "/staff/templates" });
  });
});
