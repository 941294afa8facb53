import { z } from "zod";

export type VerificationMethod = "dob" | "id_last4";

// Messages are translation keys in the "portal" namespace; the page shows them in the reader's language.
const part = (min: number, max: number, key: string, digits: number) =>
  z
    .string({ required_error: key })
    .trim()
    .regex(new RegExp(`^\\d{1,${digits}}$`), key)
    .transform(Number)
    .refine((n) => n >= min && n <= max, key);

const dobSchema = z
  .object({
    day: part(1, 31, "errors.day", 2),
    month: part(1, 12, "errors.month", 2),
    year: z
      .string({ required_error: "errors.year" })
      .trim()
      .regex(/^\d{4}$/, "errors.year")
      .transform(Number)
      .refine((y) => y >= 1900 && y <= new Date().getUTCFullYear(), "errors.year"),
  })
  .transform(({ day, month, year }, ctx) => {
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 || date > new Date()) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "errors.dob" });
      return z.NEVER;
    }
    return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  });

/** What the verification form must contain for the configured method; yields the raw answer to hash. */
export function verificationSchema(method: VerificationMethod) {
  return method === "dob"
    ? z.object({ dob: dobSchema }).transform(({ dob }) => ({ answer: dob }))
    : z
        .object({
          idLast4: z
            .string({ required_error: "errors.idLast4" })
            .trim()
            .transform((s) => s.normalize("NFKC").toUpperCase())
            .pipe(z.string().regex(/^[0-9A-Z]{4}$/, "errors.idLast4")),
        })
        .transform(({ idLast4 }) => ({ answer: idLast4 }));
}

/** The form's field shape, for conform's useForm. */
export interface VerificationFields {
  dob: { day: string; month: string; year: string };
  idLast4: string;
}
