import { z } from "zod";
import { formatMoney } from "../../domain/money";
import { previousDay, runReconciliation } from "../../payments/reconciliation.server";
import { stripeConfig } from "../../payments/stripe-config.server";
import { isRealIsoDate } from "../../domain/plan-terms";
import { defineCommand } from "../command";

export const reconcile = defineCommand({
  name: "reconcile",
  usage: "reconcile [--day YYYY-MM-DD] [--json]",
  summary: "Reconcile a day's card payments with Stripe's balance (default: yesterday); exit 1 on mismatches",
  options: { day: { type: "string" }, json: { type: "boolean" } },
  schema: z
    .object({
      day: z.string().refine(isRealIsoDate, "must be a real day, YYYY-MM-DD").optional(),
      json: z.boolean().default(false),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const timeZone = stripeConfig().reconciliationTimeZone;
    const day = args.day ?? previousDay(new Date(), timeZone);
    const report = await runReconciliation(db, { day, timeZone });
    if (args.json) ctx.out(JSON.stringify(report));
    else {
      for (const t of report.totals)
        ctx.out(
          `${day} ${t.currency}: payments ${formatMoney({ minor: t.settle.charge, currency: t.currency }, "en")} in Settle, ${formatMoney({ minor: t.stripe.charge, currency: t.currency }, "en")} in Stripe; fees ${formatMoney({ minor: t.stripe.fees, currency: t.currency }, "en")}; ${t.mismatches} mismatches`,
        );
      for (const m of report.mismatches)
        ctx.out(
          `mismatch ${m.currency} ${m.category} ${m.paymentIntentId}: Settle ${m.settleMinor}, Stripe ${m.stripeMinor}`,
        );
      if (!report.totals.length) ctx.out(`${day}: no card payments, refunds or disputes on either side`);
    }
    return report.mismatches.length ? 1 : 0;
  },
});
