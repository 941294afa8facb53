import type { Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { formatMoney } from "../domain/money";
import enStatuses from "../../locales/en/statuses.json";
import zhCNStatuses from "../../locales/zh-CN/statuses.json";
import zhHKStatuses from "../../locales/zh-HK/statuses.json";
import { config } from "../platform/config.server";
import { queueValidationNoticeEmail } from "./validation-notice-email.server";

/**
 * The validation notice sent when a debt is disputed (docs/product-rules.md §4.18, Reg F 1006.34): what
 * the bank says is owed, on which account, and that collection stops until the dispute is answered. The
 * text is rendered from `statuses:validationNotice` in the borrower's language and kept as sent, so the
 * record shows exactly what went out. The catalogues are imported directly (not through i18next), so the
 * CLI's import, which runs outside Vite, renders them too. A notice for the email channel is also queued to
 * be emailed as recorded (validation-notice-email.server.ts, §4.23).
 */
const NOTICES: Record<Locale, string> = {
  en: enStatuses.validationNotice.body,
  "zh-HK": zhHKStatuses.validationNotice.body,
  "zh-CN": zhCNStatuses.validationNotice.body,
};

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`validation notice: no value for {{${name}}}`);
    return value;
  });
}
export async function recordValidationNotice(
  trx: Transaction<Database>,
  n: {
    borrowerId: string;
    accountId: string;
    statusId: string | null;
    channel: "letter" | "email";
    locale: Locale;
    sentBy: string;
    now: Date;
  },
): Promise<string> {
  const account = await trx
    .selectFrom("accounts as a")
    .innerJoin("borrowers as b", "b.id", "a.borrower_id")
    .select(["a.last4", "a.balance_minor", "a.currency", "b.full_name"])
    .where("a.id", "=", n.accountId)
    .executeTakeFirstOrThrow();
  const body = fill(NOTICES[n.locale], {
    name: account.full_name,
    bank: config().BANK_NAME,
    last4: account.last4,
    amount: formatMoney({ minor: account.balance_minor, currency: account.currency }, n.locale),
    date: n.now.toISOString().slice(0, 10),
    hotline: config().BANK_HOTLINE,
  });
  const row = await trx
    .insertInto("validation_notices")
    .values({
      borrower_id: n.borrowerId,
      account_id: n.accountId,
      status_id: n.statusId,
      channel: n.channel,
      locale: n.locale,
      body,
      sent_by: n.sentBy,
      created_at: n.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (n.channel === "email") await queueValidationNoticeEmail(trx, row.id);
  return row.id;
}
