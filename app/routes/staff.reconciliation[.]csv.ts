import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff } from "~/staff/auth.server";
import { loaderRoles } from "~/staff/permissions";
import { daySchema } from "~/staff/reconciliation-forms";
import { reconciliationCsvForDay } from "~/staff/reconciliation.server";

/**
 * One stored day's reconciliation as CSV (`?day=`, default the latest run): totals, fees, offline payments
 * and mismatches, in minor units.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireStaff(context, request, { roles: loaderRoles("staff.reconciliation[.]csv") });
  const day = daySchema.optional().safeParse(new URL(request.url).searchParams.get("day") ?? undefined);
  if (!day.success) throw data({ error: "console:reconciliation.errors.day" }, { status: 400 });
  const csv = await reconciliationCsvForDay(context.db, session.user, day.data ?? null);
  if (csv === null) throw data({ error: "console:reconciliation.errors.notRun" }, { status: 404 });
  return new Response(csv.body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="reconciliation-${csv.day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
