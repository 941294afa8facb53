import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { actionRoles, DEFAULT_INTENT, loaderRoles } from "~/staff/permissions";
import { outboxReplySchema, replyAsPhone, requireOutboxStaff, viewOutbox } from "~/staff/dev-outbox.server";
import { OutboxPhones } from "~/staff/ui/OutboxPhones";

// Outside the console's layout: in production its loader would send a stranger to the sign-in page and
// so tell them the outbox exists; here everyone but an admin gets a plain 404.
const ROUTE = "staff_.outbox";
const noStore = { "Cache-Control": "no-store" };

/** The outbox for an admin (docs/product-rules.md §10.5): every view and reply is audited. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireOutboxStaff(context, request, loaderRoles(ROUTE));
  return data({ phones: await viewOutbox(context.db, user) }, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireOutboxStaff(context, request, actionRoles(ROUTE, DEFAULT_INTENT));
  const parsed = outboxReplySchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: "outbox.replyInvalid" }, { status: 400, headers: noStore });
  await replyAsPhone(context.db, parsed.data, { staff: user });
  return data({ error: null }, { headers: noStore });
}

export default function StaffOutbox() {
  const { phones } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return <OutboxPhones phones={phones} error={actionData?.error} />;
}
