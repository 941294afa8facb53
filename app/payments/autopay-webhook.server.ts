import type { Transaction } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { announceAutopay } from "./autopay.server";

/**
 * The webhook's part of autopay (docs/product-rules.md §7.11): Checkout in setup mode ends in
 * `setup_intent.succeeded` (the saved method, with the plan in its metadata) and
 * `checkout.session.completed` with `mode: "setup"` (carrying the method only when its SetupIntent is
 * expanded). Either turns the plan's pending autopay on, once; a plan whose autopay was turned off
 * meanwhile stays off.
 */
type Trx = Transaction<Database>;

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]).nullish();
const planIdSchema = z.string().uuid();

const setupIntentSchema = z.object({
  id: z.string(),
  status: z.string(),
  customer: idOf,
  payment_method: idOf,
  metadata: z.record(z.string()).nullish(),
});

const setupSessionSchema = z.object({
  id: z.string(),
  mode: z.literal("setup"),
  customer: idOf,
  metadata: z.record(z.string()).nullish(),
  setup_intent: z.union([z.string(), setupIntentSchema]).nullish(),
});

export async function setupIntentSucceeded(trx: Trx, object: Record<string, unknown>, now: Date) {
  const si = setupIntentSchema.safeParse(object);
  if (!si.success) return "unreadable_object";
  if (si.data.metadata?.purpose !== "autopay") return "ignored";
  return saveMethod(trx, si.data.metadata.planId, si.data, now);
}

export async function setupSessionCompleted(trx: Trx, object: Record<string, unknown>, now: Date) {
  const s = setupSessionSchema.safeParse(object);
  if (!s.success) return "unreadable_object";
  if (s.data.metadata?.purpose !== "autopay") return "ignored";
  const intent = s.data.setup_intent;
  // Not expanded: setup_intent.succeeded, sent for the same setup, carries the method.
  if (!intent || typeof intent === "string") return "awaiting_setup_intent";
  return saveMethod(
    trx,
    s.data.metadata.planId,
    { ...intent, customer: intent.customer ?? s.data.customer },
    now,
  );
}

async function saveMethod(
  trx: Trx,
  planId: string | undefined,
  si: { status: string; customer?: string | null; payment_method?: string | null },
  now: Date,
): Promise<string> {
  if (!planIdSchema.safeParse(planId).success || si.status !== "succeeded" || !si.payment_method)
    return "unreadable_object";
  const row = await trx
    .selectFrom("plan_autopay")
    .select([
      "plan_id",
      "status",
      "borrower_id",
      "account_id",
      "stripe_customer_id",
      "stripe_payment_method_id",
    ])
    .where("plan_id", "=", planId!)
    .forUpdate()
    .executeTakeFirst();
  if (!row || row.stripe_customer_id !== si.customer) return "autopay_not_found";
  if (row.status === "on")
    return row.stripe_payment_method_id === si.payment_method ? "already_applied" : "autopay_already_on";
  if (row.status === "off") return "autopay_off";
  await trx
    .updateTable("plan_autopay")
    .set({ status: "on", stripe_payment_method_id: si.payment_method, enabled_at: now, updated_at: now })
    .where("plan_id", "=", row.plan_id)
    .execute();
  await announceAutopay(
    trx,
    { borrowerId: row.borrower_id, accountId: row.account_id, planId: row.plan_id },
    "on",
    now,
  );
  return "autopay_on";
}
