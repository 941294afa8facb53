import type { LoaderFunctionArgs } from "@remix-run/node";
import { checkDatabase, isDraining } from "~/platform/health.server";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * Readiness: the database answers and the process is not shutting down; load balancers stop routing here
 * while it does not (a draining process still finishes what it was sent, docs/architecture.md §5).
 */
export async function loader({ context }: LoaderFunctionArgs) {
  if (isDraining()) return Response.json({ status: "draining" }, { status: 503, headers: NO_STORE });
  const db = await checkDatabase(context.db);
  return Response.json(
    { status: db.ok ? "ready" : "unavailable", database: db },
    { status: db.ok ? 200 : 503, headers: NO_STORE },
  );
}
