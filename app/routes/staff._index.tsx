import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff } from "~/staff/auth.server";
import { loaderRoles } from "~/staff/permissions";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff._index") });
  return redirect("/staff/queues");
}
