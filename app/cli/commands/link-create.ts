import { z } from "zod";
import { createShortLink } from "../../messaging/short-links.server";
import { defineCommand } from "../command";

export const linkCreate = defineCommand({
  name: "link:create",
  usage: "link:create --account REF [--ttl-days N]",
  summary: "Issue a signed short link for an account and print its URL",
  options: { account: { type: "string" }, "ttl-days": { type: "string" } },
  schema: z
    .object({
      account: z
        .string({ required_error: "is required (the account's external ref)" })
        .trim()
        .min(1)
        .max(100),
      "ttl-days": z.coerce.number().int().min(1).max(90).default(30),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const account = await db
      .selectFrom("accounts")
      .select("id")
      .where("external_ref", "=", args.account)
      .executeTakeFirst();
    if (!account) {
      ctx.err(`No account with ref "${args.account}".`);
      return 3;
    }
    const link = await createShortLink(db, {
      accountId: account.id,
      keys: ctx.cfg.linkSigningKeys,
      baseUrl: ctx.cfg.publicBaseUrl,
      ttlDays: args["ttl-days"],
    });
    ctx.out(link.url);
  },
});
