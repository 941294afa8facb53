import { sql, type Transaction } from "kysely";
import type { Transporter } from "nodemailer";
import type { Database } from "../../db/schema";
import { config, devSecretsAllowed } from "../platform/config.server";

/**
 * Where emails go (docs/product-rules.md §4.17): the SMTP server in the settings (SMTP_URL or SMTP_HOST
 * and the rest), else, in development and tests (and a production demo with SETTLE_ALLOW_DEV_SECRETS=1),
 * the development mailbox: "sending" is recording the email in `mailbox_emails`, in the send's own
 * transaction, and /dev/mailbox shows it. A production process without SMTP sends no email at all.
 */
export interface OutgoingEmail {
  emailId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** For the development mailbox: a staff email's template and language (a reminder's are on its row). */
  mailbox?: { templateKey: string; locale: string };
}

export type EmailTransport =
  | { kind: "smtp"; send(email: OutgoingEmail): Promise<{ providerMessageId: string }> }
  | {
      kind: "mailbox";
      record(
        trx: Transaction<Database>,
        email: OutgoingEmail,
        now: Date,
      ): Promise<{ providerMessageId: string }>;
    };

let smtp: Promise<Transporter> | undefined;

/** The nodemailer transport, created once; the module loads only in a process that sends by SMTP. */
function smtpTransporter(): Promise<Transporter> {
  const settings = config().smtp;
  if (!settings) throw new Error("SMTP is not configured");
  smtp ??= import("nodemailer").then(({ default: nodemailer }) =>
    "url" in settings
      ? nodemailer.createTransport(settings.url)
      : nodemailer.createTransport({
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          ...(settings.auth ? { auth: settings.auth } : {}),
        }),
  );
  return smtp;
}

const smtpTransport: EmailTransport = {
  kind: "smtp",
  async send(email) {
    const transporter = await smtpTransporter();
    const info = (await transporter.sendMail({
      from: config().emailFrom,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: email.headers,
    })) as { messageId?: string };
    return { providerMessageId: info.messageId ?? email.emailId };
  },
};

const mailboxTransport: EmailTransport = {
  kind: "mailbox",
  async record(trx, email, now) {
    await sql`insert into mailbox_emails (email_id, to_address, subject, text_body, html_body, headers, recorded_at,
        template_key, locale)
      values (${email.emailId}, ${email.to}, ${email.subject}, ${email.text}, ${email.html},
        ${JSON.stringify({ From: config().emailFrom, ...email.headers })}::jsonb, ${now},
        ${email.mailbox?.templateKey ?? null}, ${email.mailbox?.locale ?? null})
      on conflict (email_id) do nothing`.execute(trx);
    return { providerMessageId: `mailbox_${email.emailId}` };
  },
};

/** Whether this process keeps emails in the development mailbox (no SMTP, and not a real production). */
export function mailboxEnabled(): boolean {
  const cfg = config();
  if (cfg.smtp) return false;
  // The same exact test as the config's: "0" or "false" must not open every email and its live link.
  return !cfg.isProduction || devSecretsAllowed();
}

/** The configured transport, or null when this process sends no email. */
export function emailTransport(): EmailTransport | null {
  if (config().smtp) return smtpTransport;
  return mailboxEnabled() ? mailboxTransport : null;
}
