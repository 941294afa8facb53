import { z } from "zod";
import { API_SCOPES, createApiKey, revokeApiKey } from "../../api/api-keys.server";
import { bankIntegrationConfig } from "../../bank/config.server";
import { defineCommand } from "../command";

export const apikeyCreate = defineCommand({
  name: "apikey:create",
  usage: `apikey:create --name N --scopes ${API_SCOPES.join(",")} [--expires-days D]`,
  summary: "Create an API key for the bank's core system and print it once",
  options: { name: { type: "string" }, scopes: { type: "string" }, "expires-days": { type: "string" } },
  schema: z
    .object({
      name: z.string({ required_error: "is required" }).trim().min(1).max(100),
      scopes: z
        .string({ required_error: `is required (comma-separated: ${API_SCOPES.join(", ")})` })
        .transform((s) =>
          s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
        )
        .pipe(
          z
            .array(
              z.enum(API_SCOPES, {
                errorMap: () => ({ message: `each scope must be one of ${API_SCOPES.join(", ")}` }),
              }),
            )
            .min(1),
        ),
      "expires-days": z.coerce.number().int().min(1).max(3_650).optional(),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    const expiresAt = args["expires-days"] ? new Date(Date.now() + args["expires-days"] * 86_400_000) : null;
    const created = await createApiKey(db, {
      name: args.name,
      scopes: args.scopes,
      expiresAt,
      hashKey: bankIntegrationConfig().apiKeyHashKey,
    });
    ctx.out(created.key);
    ctx.err(
      `API key "${args.name}" (prefix ${created.prefix}, scopes ${created.scopes.join(",")}` +
        `${expiresAt ? `, expires ${expiresAt.toISOString()}` : ", no expiry"}). It is shown only this once; store it now.`,
    );
  },
});

export const apikeyRevoke = defineCommand({
  name: "apikey:revoke",
  usage: "apikey:revoke --prefix P",
  summary: "Revoke an API key at once (by the prefix shown at creation)",
  options: { prefix: { type: "string" } },
  schema: z
    .object({
      prefix: z
        .string({ required_error: "is required" })
        .regex(/^[0-9A-Za-z]{8}$/, "must be the 8-character key prefix"),
    })
    .strict(),
  async run(args, ctx) {
    const { db } = await ctx.database();
    if (!(await revokeApiKey(db, args.prefix))) {
      ctx.err(`No live API key has prefix ${args.prefix}.`);
      return 3;
    }
    ctx.out(`Revoked API key ${args.prefix}.`);
  },
});
