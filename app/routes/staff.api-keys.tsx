import { useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import {
  API_SCOPES,
  createApiKeyFromConsole,
  listApiKeys,
  revokeApiKeyFromConsole,
} from "~/staff/bank-integration.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { ApiKeysTable, NewApiKeyForm, type ApiKeyFields } from "~/staff/ui/ApiKeys";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.api-keys";
const noStore = { "Cache-Control": "no-store" };

const createSchema = z.object({
  intent: z.literal("create"),
  name: z
    .string({ required_error: "console:apiKeys.errors.name" })
    .trim()
    .min(1, "console:apiKeys.errors.name")
    .max(100, "console:apiKeys.errors.name")
    .refine((s) => !/[\u0000-\u001F\u007F]/.test(s), "console:apiKeys.errors.name"),
  scopes: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.enum(API_SCOPES, { errorMap: () => ({ message: "console:apiKeys.errors.scopes" }) }))
      .min(1, "console:apiKeys.errors.scopes"),
  ),
  expiresInDays: z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, "console:apiKeys.errors.expires")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 3650, "console:apiKeys.errors.expires")
    .optional(),
});
const revokeSchema = z.object({ intent: z.literal("revoke"), prefix: z.string().regex(/^[0-9A-Za-z]{8}$/) });

type ApiKeysActionData =
  | { intent: "create"; result: SubmissionResult<string[]>; created?: undefined }
  | { intent: "create"; created: { name: string; prefix: string; key: string }; result?: undefined }
  | { intent: "revoke"; error: string };

/** API keys for the bank's core system (admins): list, create (shown once), revoke. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const url = new URL(request.url);
  const revoked = url.searchParams.get("revoked");
  return data(
    {
      keys: await listApiKeys(context.db, await displayContext(request)),
      scopes: [...API_SCOPES],
      revoked: revoked && /^[0-9A-Za-z]{8}$/.test(revoked) ? revoked : null,
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  assertRole(session, actionRoles(ROUTE, intent));
  if (intent === "revoke") {
    const parsed = revokeSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success)
      return data({ intent: "revoke", error: "console:apiKeys.errors.invalid" } satisfies ApiKeysActionData, {
        status: 400,
        headers: noStore,
      });
    const done = await revokeApiKeyFromConsole(context.db, {
      staff: session.user,
      prefix: parsed.data.prefix,
    });
    if (!done)
      return data({ intent: "revoke", error: "console:apiKeys.errors.notLive" } satisfies ApiKeysActionData, {
        status: 409,
        headers: noStore,
      });
    return redirect(`/staff/api-keys?revoked=${parsed.data.prefix}`, { status: 303, headers: noStore });
  }
  const submission = parseWithZod(formData, { schema: createSchema });
  if (submission.status !== "success")
    return data({ intent: "create", result: submission.reply() } satisfies ApiKeysActionData, {
      status: 400,
      headers: noStore,
    });
  const created = await createApiKeyFromConsole(context.db, {
    staff: session.user,
    name: submission.value.name,
    scopes: submission.value.scopes,
    expiresInDays: submission.value.expiresInDays,
  });
  // Not a redirect: the key exists only in this response (Settle stores a keyed hash of it).
  return data(
    {
      intent: "create",
      created: { name: submission.value.name, prefix: created.prefix, key: created.key },
    } satisfies ApiKeysActionData,
    { headers: noStore },
  );
}

export default function StaffApiKeys() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ApiKeysActionData | undefined;
  const { t } = useTranslation("console");
  const keyForm = useForm<ApiKeyFields>({
    id: "api-key-form",
    lastResult: actionData?.intent === "create" ? actionData.result : undefined,
    shouldValidate: "onSubmit",
  });
  const created = actionData?.intent === "create" ? actionData.created : undefined;
  return (
    <>
      <h1>{t("apiKeys.title")}</h1>
      <p className="hint">{t("apiKeys.intro")}</p>
      {v.revoked ? (
        <p className="notice" role="status">
          {t("apiKeys.revokedNotice", { prefix: v.revoked })}
        </p>
      ) : null}
      {actionData?.intent === "revoke" ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error)}
        </p>
      ) : null}
      {created ? (
        <div className="notice new-key" role="status">
          <p>
            <strong>{t("apiKeys.createdTitle", { name: created.name })}</strong>
          </p>
          <p>{t("apiKeys.createdBody")}</p>
          <p>
            <code className="api-key" data-api-key>
              {created.key}
            </code>
          </p>
        </div>
      ) : null}

      <ApiKeysTable keys={v.keys} />

      <NewApiKeyForm form={keyForm} scopes={v.scopes} />
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
