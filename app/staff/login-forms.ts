import { z } from "zod";

/** Sign-in forms of the staff console. Messages are "staff" translation keys. */
export const PASSWORD_MIN = 12;
const PASSWORD_MAX = 200;

export const loginSchema = z.object({
  email: z
    .string({ required_error: "errors.email" })
    .trim()
    .toLowerCase()
    .max(254, "errors.email")
    .email("errors.email"),
  password: z
    .string({ required_error: "errors.password" })
    .min(1, "errors.password")
    .max(1000, "errors.password"),
  next: z.string().max(300).optional(),
});
export type LoginFields = z.input<typeof loginSchema>;

const totpCode = z
  .string({ required_error: "errors.code" })
  .transform((s) => s.replace(/\s/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "errors.code"));

export const totpSchema = z.object({ code: totpCode });
export type TotpFields = z.input<typeof totpSchema>;

export const setupSchema = z
  .object({
    newPassword: z
      .string({ required_error: "errors.newPassword" })
      .min(PASSWORD_MIN, "errors.newPassword")
      .max(PASSWORD_MAX, "errors.newPassword"),
    confirmPassword: z.string({ required_error: "errors.confirmPassword" }),
    code: totpCode,
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "errors.confirmPassword",
  });
export type SetupFields = z.input<typeof setupSchema>;
