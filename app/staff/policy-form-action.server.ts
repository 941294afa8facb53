import { data, redirect } from "@remix-run/node";
import { z } from "zod";

/** What an editor of a versioned policy answers a failed save with. */
export interface PolicyFormReply<Problem> {
  values: Record<string, string>;
  /** Per form field, what to fix. */
  errors: Record<string, Problem[]>;
  /** Set when someone saved another version since this editor was opened. */
  conflictVersion?: number;
}

type SaveResult =
  | { status: "saved"; version: number }
  | { status: "unchanged"; version: number }
  | { status: "conflict"; currentVersion: number };

const noStore = { "Cache-Control": "no-store" };
const baseVersionSchema = z.coerce.number().int().min(0);

/**
 * The action of a versioned policy editor (contact policy, settlement bands): the form read and checked,
 * saved on the version the editor was opened at, then a redirect that says whether a version was made.
 * A form with errors (400) or saved over by someone else (409) comes back with what was typed.
 */
export async function savePolicyForm<Policy, Problem>(
  formData: FormData,
  editor: {
    path: string;
    read(
      values: Record<string, string>,
    ): { ok: true; policy: Policy } | { ok: false; errors: Record<string, Problem[]> };
    /** The errors when the form's version field is missing or altered. */
    staleVersion: Record<string, Problem[]>;
    save(policy: Policy, baseVersion: number): Promise<SaveResult>;
  },
) {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string") values[key] = value;
  const reply = (d: PolicyFormReply<Problem>, status: number) => data(d, { status, headers: noStore });
  const baseVersion = baseVersionSchema.safeParse(values.baseVersion);
  if (!baseVersion.success) return reply({ values, errors: editor.staleVersion }, 400);
  const read = editor.read(values);
  if (!read.ok) return reply({ values, errors: read.errors }, 400);
  const result = await editor.save(read.policy, baseVersion.data);
  if (result.status === "conflict")
    return reply({ values, errors: {}, conflictVersion: result.currentVersion }, 409);
  const query = result.status === "saved" ? `saved=${result.version}` : "unchanged=1";
  return redirect(`${editor.path}?${query}`, { status: 303, headers: noStore });
}
