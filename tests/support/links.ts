import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "../../app/platform/config.server";
import { createShortLink } from "../../app/messaging/short-links.server";
import { hashVerificationAnswer } from "../../app/borrower/verification-answers.server";
import { insertAccount, insertBorrower } from "./builders";

/** A borrower with known answers, one account and a live link to it. */
export async function borrowerWithLink(
  db: Kysely<Database>,
  opts: { dob?: string; idLast4?: string; now?: Date } = {},
) {
  const key = config().verificationHashKey;
  const dob = opts.dob ?? "1980-02-29";
  const idLast4 = opts.idLast4 ?? "123A";
  const borrower = await insertBorrower(db, {
    dob_hash: hashVerificationAnswer("dob", dob, key),
    id_last4_hash: hashVerificationAnswer("id_last4", idLast4, key),
  });
  const account = await insertAccount(db, { borrower_id: borrower.id });
  const link = await createShortLink(db, {
    accountId: account.id,
    keys: config().linkSigningKeys,
    baseUrl: "http://portal.test",
    now: opts.now,
  });
  return { borrower, account, link, dob, idLast4 };
}

/** A request carrying the cookies from Set-Cookie header values. */
export function requestWithCookies(setCookies: string[], url = "http://portal.test/account"): Request {
  const cookie = setCookies.map((c) => c.split(";")[0]).join("; ");
  return new Request(url, { headers: { Cookie: cookie } });
}
