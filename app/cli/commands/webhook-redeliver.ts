import { z } from "zod";
import { redeliverBankEvent } from "../../bank/webhook-delivery.server";
import { defineCommand } from "../command";

export const webhookRedeliver = defineCommand({
  name: "webhook:redeliver",
  usage: "webhook:redeliver --event ID",
  summary: "Queue a bank event for delivery again (the worker sends it)",
  options: { event: { type: "string" } },
  schema: z
    .object({
      event: z
        .string({ required_error: "is required (a bank_events id)" })
        .uuid("must be a bank event id (UUID)"),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const queued = await redeliverBankEvent(db, args.event);
    if (!queued) {
      ctx.err(`No bank event ${args.event}.`);
      return 3;
    }
    ctx.out(`Queued bank event ${args.event} for delivery (job ${queued.jobKey}).`);
  },
});
