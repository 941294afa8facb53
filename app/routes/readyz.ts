import type { LoaderFunctionArgs } from "@remix-run/node";
import { checkDatabase } from "~/platform/health.server";

/** Readiness: the database answers; load balancers stop routing here while it does not. */
export async function loader({ context }: LoaderFunctionArgs) {
  const db = await checkDatabase(context.db);
  return Response.json(
    { status: db.ok ? "ready" : "unavailable", database: db },
    { status: db.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
