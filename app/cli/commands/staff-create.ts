import { z } from "zod";
import { appendAudit } from "../../platform/audit.server";
import { generateOneTimePassword, hashPassword } from "../../staff/auth.server";
import { STAFF_ROLES } from "../../staff/permissions";
import { defineCommand } from "../command";

/**
 * Creates a staff user with a random one-time password, printed once. At the
 * first sign-in they must choose their own password and enrol an authenticator
 * app (TOTP) before the console opens.
 */
export const staffCreate = defineCommand({
  name: "staff:create",
  usage: `staff:create --email E --role ${STAFF_ROLES.join("|")} [--name N]`,
  summary: "Create a staff user and print a one-time password",
  options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" } },
  schema: z
    .object({
      email: z
        .string({ required_error: "is required" })
        .trim()
        .toLowerCase()
        .max(254)
        .email("must be an email address"),
      role: z.enum(STAFF_ROLES, {
        errorMap: () => ({ message: `must be one of ${STAFF_ROLES.join(", ")}` }),
      }),
      name: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const oneTimePassword = generateOneTimePassword();
    const passwordHash = await hashPassword(oneTimePassword);
    const created = await db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto("staff_users")
        .values({
          email: args.email,
          display_name: args.name ?? args.email.split("@")[0] ?? args.email,
          role: args.role,
          password_hash: passwordHash,
        })
        .onConflict((oc) => oc.column("email").doNothing())
        .returning(["id", "email", "role"])
        .executeTakeFirst();
      if (user) {
        await appendAudit(trx, {
          actorType: "system",
          action: "staff.created",
          subjectType: "staff_user",
          subjectId: user.id,
          detail: { role: user.role, via: "cli" },
        });
      }
      return user;
    });
    if (!created) {
      ctx.err(`A staff user with email ${args.email} already exists.`);
      return 1;
    }
    ctx.out(`Created ${created.role} ${created.email} (id ${created.id}).`);
    ctx.out(`One-time password (shown only now): ${oneTimePassword}`);
    ctx.out(
      `At first sign-in (${ctx.cfg.publicBaseUrl}/staff/login) they choose a new password and enrol an authenticator app (TOTP).`,
    );
  },
});
