import { z } from "zod";
import {
  PAYMENT_CHOICES,
  parseTypedAmount,
  resolvePaymentAmount,
  type PaymentBounds,
  type PaymentChoice,
} from "../domain/payment-amount";

/**
 * The pay form: a choice (overdue / full / custom) and, for a custom payment,
 * the typed amount. Messages are translation keys in the "pay" namespace.
 * Typing an amount without picking a choice means "this amount".
 */
export function payFormSchema(bounds: PaymentBounds) {
  return z
    .object({
      choice: z.string().optional(),
      amount: z.string().optional(),
    })
    .transform((form, ctx) => {
      const choice = (form.choice ?? (form.amount ? "custom" : undefined)) as PaymentChoice | undefined;
      if (!choice || !(PAYMENT_CHOICES as readonly string[]).includes(choice)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["choice"], message: "errors.choiceRequired" });
        return z.NEVER;
      }
      let customMinor: number | undefined;
      if (choice === "custom") {
        const typed = parseTypedAmount(form.amount ?? "", bounds.currency);
        if (!typed.ok) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["amount"], message: `errors.${typed.error}` });
          return z.NEVER;
        }
        customMinor = typed.minor;
      }
      const amount = resolvePaymentAmount(choice, customMinor, bounds);
      if (!amount.ok) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [choice === "custom" ? "amount" : "choice"],
          message: `errors.${amount.error}`,
        });
        return z.NEVER;
      }
      return { choice, customAmountMinor: customMinor, amountMinor: amount.minor };
    });
}

export interface PayFields {
  choice: PaymentChoice;
  amount: string;
}
