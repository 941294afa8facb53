import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endBorrowerSession } from "~/borrower/session.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const setCookie = await endBorrowerSession(context.db, request);
  return redirect("/session-ended", { status: 303, headers: { "Set-Cookie": setCookie } });
}

export function loader() {
  return redirect("/");
}
