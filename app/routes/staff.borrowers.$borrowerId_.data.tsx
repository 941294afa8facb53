import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { dataRightsSchema, exportQuerySchema } from "~/staff/data-rights-forms";
import { confirmsBorrower, loadDataRightsPage } from "~/staff/data-rights.server";
import { openDataExport, startDataExport } from "~/staff/data-export.server";
import { eraseBorrower } from "~/staff/data-erasure.server";
import { DataRightsPage } from "~/staff/ui/DataRights";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.borrowers.$borrowerId_.data";
const noStore = { "Cache-Control": "no-store" };
const notFound = () => data({ error: "staff:errors.notFound" }, { status: 404, headers: noStore });

/** A borrower's data rights: the export (as a page or a JSON download) and erasure (docs/product-rules.md §10.12). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const borrowerId = z.string().uuid().safeParse(params.borrowerId);
  const query = exportQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!borrowerId.success || !query.success) throw notFound();
  if (query.data.export) {
    const opened = await openDataExport(context.db, {
      borrowerId: borrowerId.data,
      exportId: query.data.export,
      staff: user,
      format: query.data.format,
    });
    if (!opened) throw notFound();
    if (query.data.format === "json")
      return new Response(JSON.stringify(opened.content, null, 2), {
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Disposition": `attachment; filename="borrower-export-${opened.id}.json"`,
          ...noStore,
        },
      });
    const page = await loadDataRightsPage(context.db, { borrowerId: borrowerId.data, staff: user });
    return data({ page, opened }, { headers: noStore });
  }
  const page = await loadDataRightsPage(context.db, { borrowerId: borrowerId.data, staff: user });
  if (!page) throw notFound();
  return data({ page, opened: null }, { headers: noStore });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const form = Object.fromEntries(await request.formData());
  // The role check comes first: a role that may not do this learns nothing from validation errors.
  assertRole(session, actionRoles(ROUTE, String(form.intent ?? "")));
  const borrowerId = z.string().uuid().safeParse(params.borrowerId);
  if (!borrowerId.success) throw notFound();
  const parsed = dataRightsSchema.safeParse(form);
  if (!parsed.success) {
    const error = parsed.error.issues[0]?.message ?? "staff:dataRights.errors.reason";
    return data(
      { error: error.includes(":") ? error : "staff:dataRights.errors.reason" },
      { status: 400, headers: noStore },
    );
  }
  const base = `/staff/borrowers/${borrowerId.data}/data`;
  if (parsed.data.intent === "export") {
    const id = await startDataExport(context.db, {
      borrowerId: borrowerId.data,
      staff: session.user,
      reason: parsed.data.reason,
    });
    if (!id) throw notFound();
    return redirect(`${base}?export=${id}`, { status: 303, headers: noStore });
  }
  if (!(await confirmsBorrower(context.db, borrowerId.data, parsed.data.confirm)))
    return data({ error: "staff:dataRights.errors.confirm" }, { status: 400, headers: noStore });
  const result = await eraseBorrower(context.db, {
    borrowerId: borrowerId.data,
    staff: session.user,
    reason: parsed.data.reason,
  });
  if (result.status === "not_found") throw notFound();
  return redirect(base, { status: 303, headers: noStore });
}

export default function StaffBorrowerData() {
  const { page, opened } = useLoaderData<typeof loader>() as {
    page: NonNullable<Awaited<ReturnType<typeof loadDataRightsPage>>>;
    opened: { id: string; reason: string; createdAt: string; content: Record<string, unknown> } | null;
  };
  const reply = useActionData<typeof action>();
  return <DataRightsPage page={page} opened={opened} error={reply?.error ?? null} />;
}

export { StaffErrorBoundary as ErrorBoundary };
