import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { loaderRoles } from "~/staff/permissions";
import { requireMailboxStaff, viewMailbox } from "~/staff/dev-mailbox.server";
import { Mailbox } from "~/staff/ui/Mailbox";

// Outside the console's layout, like the outbox: everyone but an admin gets a plain 404 in production.
const ROUTE = "staff_.mailbox";

/** The development mailbox for an admin (docs/product-rules.md §4.17): every view is audited. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireMailboxStaff(context, request, loaderRoles(ROUTE));
  return data({ emails: await viewMailbox(context.db, user) }, { headers: { "Cache-Control": "no-store" } });
}

export default function StaffMailbox() {
  const { emails } = useLoaderData<typeof loader>();
  return <Mailbox emails={emails} />;
}
