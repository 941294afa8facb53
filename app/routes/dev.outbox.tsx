import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { assertDevOutbox, devOutboxTexts, outboxReplySchema, replyAsPhone } from "~/staff/dev-outbox.server";
import { OutboxPhones } from "~/staff/ui/OutboxPhones";

/**
 * Development and tests only: every text the outbox provider "sent", as on a phone, and a box to reply as
 * the phone. 404 in production (an admin uses /staff/outbox there, and only in a local demo) and whenever
 * a real provider is configured.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  assertDevOutbox();
  return { phones: await devOutboxTexts(context.db) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  assertDevOutbox();
  const parsed = outboxReplySchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: "outbox.replyInvalid" }, { status: 400 });
  await replyAsPhone(context.db, parsed.data);
  return { error: null };
}

export default function DevOutbox() {
  const { phones } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return <OutboxPhones phones={phones} error={actionData?.error} />;
}
