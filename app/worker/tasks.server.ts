import type { Kysely } from "kysely";
import type { TaskList } from "graphile-worker";
import type { Database } from "../../db/schema";
import { pruneExpiredSessions } from "./prune-sessions.server";
import { createBankEventDeliveryTask, DELIVER_TASK } from "../bank/webhook-delivery.server";
import { pruneRateLimits } from "../platform/rate-limit.server";
import { pruneLoginThrottles } from "../staff/login-throttle.server";
import { createSmsSendTask } from "../engine/dispatcher.server";
import { runSchedule } from "../engine/planner.server";
import { markBrokenPlans } from "../plans/plans.server";
import { lapseSettlements } from "../plans/settlement-lifecycle.server";
import { resolvePromises } from "../borrower/promises.server";
import { smsProvider } from "../messaging/providers/index.server";
import { auditLinkOpened } from "../engine/feedback.server";
import { LINK_OPENED_AUDIT_TASK } from "../messaging/short-links.server";
import { runRetention } from "../platform/retention.server";
import { previousDay, runReconciliation } from "../payments/reconciliation.server";
import { stripeConfig } from "../payments/stripe-config.server";
import { runAutopay } from "../payments/autopay-charges.server";
import { countDecisions } from "../platform/metrics.server";
import { withJobContext } from "./job-context.server";
import { EMAIL_SEND_TASK, emailSendPayloadSchema, sendDecidedEmail } from "../engine/email-send.server";
import { STAFF_INVITE_EMAIL_TASK } from "../staff/staff-invites.server";
import { sendStaffInviteEmail, staffInviteEmailPayloadSchema } from "../staff/staff-invite-email.server";
import {
  sendValidationNoticeEmail,
  VALIDATION_NOTICE_EMAIL_TASK,
  validationNoticeEmailPayloadSchema,
} from "../borrower/validation-notice-email.server";

/** Every background task Settle runs, by graphile-worker identifier, each in its job's context. */
export function createTaskList(db: Kysely<Database>): TaskList {
  return withJobContext({
    [DELIVER_TASK]: createBankEventDeliveryTask(db),
    // Batch jobs (addSmsSendJobs): `[{ messageId }, ...]`; jobs queued before batching carry `{ messageId }`.
    "sms:send": createSmsSendTask(db, smsProvider),
    [LINK_OPENED_AUDIT_TASK]: (payload) => auditLinkOpened(db, payload),
    // `{ accountId, decisionId }` for an email decision; a malformed payload fails the job (never retried
    // into a send): nothing in it can be fixed by running it again.
    [EMAIL_SEND_TASK]: async (payload, helpers) => {
      const parsed = emailSendPayloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`email:send with a malformed payload: ${parsed.error.issues[0]?.message}`);
        return;
      }
      await sendDecidedEmail(db, parsed.data);
    },
    // `{ inviteId }`: the set-up link is emailed to an invited staff member; an SMTP failure throws (retried).
    [STAFF_INVITE_EMAIL_TASK]: async (payload, helpers) => {
      const parsed = staffInviteEmailPayloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${STAFF_INVITE_EMAIL_TASK} with a malformed payload`);
        return;
      }
      await sendStaffInviteEmail(db, parsed.data);
    },
    // `{ noticeId }`: a dispute's validation notice emailed as recorded; an SMTP failure throws (retried), and
    // the last attempt records the failure on the notice instead (then the bank prints it).
    [VALIDATION_NOTICE_EMAIL_TASK]: async (payload, helpers) => {
      const parsed = validationNoticeEmailPayloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${VALIDATION_NOTICE_EMAIL_TASK} with a malformed payload`);
        return;
      }
      const finalAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      await sendValidationNoticeEmail(db, parsed.data, { finalAttempt });
    },
    "schedule:run": async (_payload, helpers) => {
      const result = await runSchedule(db, { now: new Date() });
      countDecisions(result.byReason);
      helpers.logger.info(`schedule run ${result.runId}: ${result.decided} decided, ${result.queued} queued`);
    },
    "plans:mark-broken": async (_payload, helpers) => {
      const { broken } = await markBrokenPlans(db, new Date());
      if (broken.length) helpers.logger.info(`${broken.length} plans marked broken`);
    },
    "settlements:lapse": async (_payload, helpers) => {
      const { lapsed } = await lapseSettlements(db, new Date());
      if (lapsed.length) helpers.logger.info(`${lapsed.length} settlements lapsed`);
    },
    "promises:resolve": async () => {
      await resolvePromises(db, new Date());
    },
    "rate-limits:prune": async () => {
      await pruneRateLimits(db, new Date());
      await pruneLoginThrottles(db, new Date());
    },
    "retention:run": async (_payload, helpers) => {
      const run = await runRetention(db, { now: new Date() });
      helpers.logger.info(
        `retention run: ${run.total} free-text values erased ${JSON.stringify(run.erased)}; by class ${JSON.stringify(run.classes)}`,
      );
    },
    "reconciliation:run": async (_payload, helpers) => {
      const timeZone = stripeConfig().reconciliationTimeZone;
      const report = await runReconciliation(db, { day: previousDay(new Date(), timeZone), timeZone });
      // A mismatch is for people to look at in the console; the warning is what an alert can watch.
      if (report.mismatches.length)
        helpers.logger.warn(`reconciliation ${report.day}: ${report.mismatches.length} mismatches`);
    },
    "autopay:run": async (_payload, helpers) => {
      const run = await runAutopay(db, { now: new Date() });
      helpers.logger.info(`autopay run ${JSON.stringify(run)}`);
    },
    "sessions:prune": async (_payload, helpers) => {
      const removed = await pruneExpiredSessions(db, new Date());
      if (removed.borrower + removed.staff > 0)
        helpers.logger.info(`pruned sessions ${JSON.stringify(removed)}`);
    },
  });
}

/** Recurring jobs (graphile-worker crontab syntax). */
export const CRONTAB = [
  "*/5 * * * * schedule:run ?max=1",
  "15 * * * * plans:mark-broken ?max=1",
  "20 * * * * settlements:lapse ?max=1",
  "*/15 * * * * promises:resolve ?max=1",
  "0 * * * * sessions:prune",
  "30 * * * * rate-limits:prune",
  // Daily, in the quiet of the night (UTC): erasing closed accounts' free text is never urgent.
  "45 3 * * * retention:run ?max=1",
  // Yesterday's card payments against Stripe's balance, once Stripe has the whole day.
  "30 2 * * * reconciliation:run ?max=3",
  // Instalments paid by saved cards, and the reminders 3 days before: 09:00 in Hong Kong and mainland China.
  "0 1 * * * autopay:run ?max=3",
].join("\n");
