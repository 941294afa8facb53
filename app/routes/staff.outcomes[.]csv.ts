import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { parseOutcomeFilters } from "~/staff/outcome-filters";
import { outcomesCsv, todayIn } from "~/staff/outcomes-view.server";
import { loaderRoles } from "~/staff/permissions";

/** The dashboard's outcome figures as CSV, for the same filters as the page (docs/outcomes.md); audited. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireStaff(context, request, { roles: loaderRoles("staff.outcomes[.]csv") });
  const { timeZone } = await displayContext(request);
  const parsed = parseOutcomeFilters(new URL(request.url).searchParams, todayIn(timeZone));
  if (!parsed.ok) throw data({ errors: parsed.errors }, { status: 400 });
  const csv = await outcomesCsv(context.db, session.user, parsed.filters, { timeZone });
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="outcomes-${parsed.filters.from}-${parsed.filters.to}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
