import { z } from "zod";
import type { StaffRole } from "../../../db/schema";
import { STAFF_ROLES } from "../../staff/permissions";
import {
  changeStaffRole,
  disableStaff,
  enableStaff,
  resetStaffTotp,
  type StaffAdminResult,
} from "../../staff/staff-admin.server";
import { inviteStaff, inviteUrl } from "../../staff/staff-invites.server";
import { INVITE_LANGUAGES } from "../../staff/staff-admin-forms";
import { defineCommand, type CommandContext } from "../command";

/**
 * Staff administration from the command line, through the same service functions as /staff/users. The
 * operator at the server is audited as the system (via "cli"); the last admin who is not disabled can be
 * neither disabled nor demoted here either. `staff:reset-2fa` is how a locked-out last admin gets back in.
 */
const email = z
  .string({ required_error: "is required" })
  .trim()
  .toLowerCase()
  .max(254)
  .email("must be an email address");
const role = z.enum(STAFF_ROLES, {
  errorMap: () => ({ message: `must be one of ${STAFF_ROLES.join(", ")}` }),
});
const byEmail = z.object({ email }).strict();

const REFUSED: Record<Exclude<StaffAdminResult["status"], "ok">, (email: string) => string> = {
  not_found: (e) => `No staff member has the email ${e}.`,
  self: () => "A member cannot do this to themselves.",
  last_admin: (e) => `${e} is the last admin who is not disabled: make another admin first.`,
};

function report(ctx: CommandContext, target: string, result: StaffAdminResult, done: string, same: string) {
  if (result.status !== "ok") {
    ctx.err(REFUSED[result.status](target));
    return 1;
  }
  ctx.out(result.changed ? done : same);
  return 0;
}

export const staffDisable = defineCommand({
  name: "staff:disable",
  usage: "staff:disable --email E",
  summary: "Disable a staff member: sign-in refused and every session ended at once",
  options: { email: { type: "string" } },
  schema: byEmail,
  async run(args, ctx) {
    const { db } = await ctx.database();
    const result = await disableStaff(db, { actor: { kind: "cli" }, target: { email: args.email } });
    return report(
      ctx,
      args.email,
      result,
      `Disabled ${args.email}; their sessions have ended.`,
      `${args.email} was already disabled.`,
    );
  },
});

export const staffEnable = defineCommand({
  name: "staff:enable",
  usage: "staff:enable --email E",
  summary: "Re-enable a disabled staff member",
  options: { email: { type: "string" } },
  schema: byEmail,
  async run(args, ctx) {
    const { db } = await ctx.database();
    const result = await enableStaff(db, { actor: { kind: "cli" }, target: { email: args.email } });
    return report(ctx, args.email, result, `Re-enabled ${args.email}.`, `${args.email} was not disabled.`);
  },
});

export const staffRole = defineCommand({
  name: "staff:role",
  usage: `staff:role --email E --role ${STAFF_ROLES.join("|")}`,
  summary: "Change a staff member's role (from their next request)",
  options: { email: { type: "string" }, role: { type: "string" } },
  schema: z.object({ email, role }).strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const result = await changeStaffRole(db, {
      actor: { kind: "cli" },
      target: { email: args.email },
      role: args.role as StaffRole,
    });
    return report(
      ctx,
      args.email,
      result,
      `${args.email} is now ${args.role}.`,
      `${args.email} is already ${args.role}.`,
    );
  },
});

export const staffResetTotp = defineCommand({
  name: "staff:reset-2fa",
  usage: "staff:reset-2fa --email E",
  summary:
    "Reset a lost authenticator: sessions end, the next sign-in sets up a new password and authenticator",
  options: { email: { type: "string" } },
  schema: byEmail,
  async run(args, ctx) {
    const { db } = await ctx.database();
    const result = await resetStaffTotp(db, { actor: { kind: "cli" }, target: { email: args.email } });
    const done = `Reset ${args.email}'s authenticator; at their next sign-in (${ctx.cfg.publicBaseUrl}/staff/login) they choose a new password and enrol again.`;
    return report(ctx, args.email, result, done, done);
  },
});

export const staffInvite = defineCommand({
  name: "staff:invite",
  usage: `staff:invite --email E --role ${STAFF_ROLES.join("|")} [--name N] [--language ${INVITE_LANGUAGES.join("|")}]`,
  summary: "Invite a staff member, print their one-time set-up link, and email it where email is set up",
  options: {
    email: { type: "string" },
    role: { type: "string" },
    name: { type: "string" },
    language: { type: "string" },
  },
  schema: z
    .object({
      email,
      role,
      name: z.string().trim().min(1).max(200).optional(),
      language: z.enum(INVITE_LANGUAGES).optional(),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const invited = await inviteStaff(db, {
      actor: { kind: "cli" },
      email: args.email,
      role: args.role as StaffRole,
      name: args.name,
      language: args.language,
    });
    if (invited.status === "exists") {
      ctx.err(`${args.email} is already set up or disabled; use staff:reset-2fa or staff:enable instead.`);
      return 1;
    }
    const verb = invited.status === "reissued" ? "Re-invited (the older link no longer works)" : "Invited";
    ctx.out(`${verb} ${invited.user.role} ${invited.user.email} (id ${invited.user.id}).`);
    ctx.out(`Set-up link (shown only now, valid until ${invited.expiresAt.toISOString()}):`);
    ctx.out(inviteUrl(ctx.cfg.publicBaseUrl, invited.token));
    if (invited.emailing)
      ctx.out(`The link is also being emailed to ${invited.user.email} (a worker sends it).`);
    return 0;
  },
});
