import { z } from "zod";
import type { Locale } from "../../db/schema";
import { STAFF_ROLES } from "./permissions";

/** The forms of /staff/users. Messages are "staff" translation keys. */
export const INVITE_LANGUAGES = ["en", "zh-HK", "zh-CN"] as const satisfies readonly Locale[];
const staffUserId = z.string().uuid();

export const inviteSchema = z.object({
  intent: z.literal("invite"),
  email: z
    .string({ required_error: "errors.email" })
    .trim()
    .toLowerCase()
    .max(254, "errors.email")
    .email("errors.email"),
  name: z
    .string()
    .trim()
    .max(200, "errors.staffName")
    .refine((s) => !/[\u0000-\u001F\u007F]/.test(s), "errors.staffName")
    .optional()
    .transform((s) => (s ? s : undefined)),
  role: z.enum(STAFF_ROLES, { errorMap: () => ({ message: "errors.role" }) }),
  /** The invitation email's language; empty: the console's. */
  language: z.enum(INVITE_LANGUAGES, { errorMap: () => ({ message: "errors.language" }) }).optional(),
});
export type InviteFields = z.input<typeof inviteSchema>;

/** The one-click changes to an existing member (each row's buttons). */
export const memberChangeSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("revoke_sessions"), staffUserId }),
  z.object({ intent: z.literal("disable"), staffUserId }),
  z.object({ intent: z.literal("enable"), staffUserId }),
  z.object({ intent: z.literal("reset_2fa"), staffUserId }),
  z.object({ intent: z.literal("change_role"), staffUserId, role: z.enum(STAFF_ROLES) }),
]);
export type MemberChange = z.infer<typeof memberChangeSchema>;

/** What the users page says after a change (the redirect's `done=`; no personal data in the URL). */
export const DONE_NOTICES = ["disabled", "enabled", "role_changed", "totp_reset"] as const;
export type DoneNotice = (typeof DONE_NOTICES)[number];
