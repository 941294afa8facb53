import type { StatusActor, StatusRefusal } from "../borrower/account-statuses.server";
import { ApiError } from "./errors.server";

/** The API's actor for a status write: the key that made it. */
export function statusApiActor(keyId: string): StatusActor {
  return { source: "api", actorType: "api", actorId: keyId };
}

const REFUSALS: Record<StatusRefusal, { http: 409 | 422; message: string }> = {
  breathing_space_in_force: {
    http: 409,
    message: "A standard Breathing Space is already in force for this borrower.",
  },
  breathing_space_within_limit: {
    http: 409,
    message:
      "A standard Breathing Space started within the last 12 months; only one is allowed in 12 months.",
  },
  already_in_force: { http: 409, message: "This status is already in force for this borrower or account." },
  account_required: { http: 422, message: "A dispute needs account_ref: it concerns one account." },
  notice_needs_dispute: { http: 422, message: "validation_notice goes only with kind dispute." },
};

/** A status the rules refuse: 409 when it clashes with one already recorded, 422 when the request cannot be one. */
export function statusRefusedError(code: StatusRefusal): ApiError {
  const r = REFUSALS[code];
  return new ApiError(r.http, code, r.message);
}
