import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { assertDevMailbox, devMailboxEmails } from "~/staff/dev-mailbox.server";
import { Mailbox } from "~/staff/ui/Mailbox";

/**
 * Development and tests only: every email sent without SMTP, as its inbox got it. 404 in production (an
 * admin uses /staff/mailbox there, and only in a local demo) and whenever SMTP is configured.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  assertDevMailbox();
  return { emails: await devMailboxEmails(context.db) };
}

export default function DevMailbox() {
  const { emails } = useLoaderData<typeof loader>();
  return <Mailbox emails={emails} />;
}
