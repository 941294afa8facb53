import { z } from "zod";
import * as z4 from "zod/v4";
import type { PhoneOwner } from "../../db/schema";

/**
 * The optional parts of a bank record about where and how to reach the borrower (docs/product-rules.md
 * §4.19, §4.20): the postal address and whose the phone number is. Each in zod 3 (the API's schema, which
 * words the errors) and zod 4 (the import's fast path), with the same rules; account-record.server.ts
 * spreads both into its schemas.
 */
/** Whose the phone number is (docs/product-rules.md §4.20); absent: the borrower's for a new number. */
const PHONE_OWNERS = ["borrower", "third_party", "unknown"] as const satisfies readonly PhoneOwner[];
const CONTROL = /[\u0000-\u001f\u007f]/;
const noControl = (v: string) => !CONTROL.test(v);
const COUNTRY = /^[A-Z]{2}$/;
/** Postal address parts, in the bounds of migration 0145. */
const ADDRESS_LIMITS = {
  address_line1: 200,
  address_line2: 200,
  address_city: 100,
  address_region: 100,
  address_postal_code: 20,
} as const;
const ADDRESS_FIELDS = [...Object.keys(ADDRESS_LIMITS), "address_country"] as const;

const addressText = (max: number) =>
  z
    .string({ invalid_type_error: "must be a string" })
    .trim()
    .min(1, "must not be blank")
    .max(max, `is longer than ${max} characters`)
    .refine(noControl, "must not contain control characters")
    .nullish();

/** The postal address is optional; given, it needs at least its first line and its country. */
export function addressIncomplete(r: Record<string, unknown>): "address_line1" | "address_country" | null {
  if (!ADDRESS_FIELDS.some((f) => r[f] != null)) return null;
  if (r.address_line1 == null) return "address_line1";
  return r.address_country == null ? "address_country" : null;
}

export const addressSchema = {
  address_line1: addressText(ADDRESS_LIMITS.address_line1).describe("Postal address, first line"),
  address_line2: addressText(ADDRESS_LIMITS.address_line2),
  address_city: addressText(ADDRESS_LIMITS.address_city),
  address_region: addressText(ADDRESS_LIMITS.address_region).describe("State, province or district"),
  address_postal_code: addressText(ADDRESS_LIMITS.address_postal_code),
  address_country: z
    .string({ invalid_type_error: "must be a string" })
    .regex(COUNTRY, "must be an ISO 3166-1 alpha-2 country code in capitals, e.g. HK")
    .nullish(),
  phone_owner: z
    .enum(PHONE_OWNERS)
    .optional()
    .describe(
      "Whose the phone number is. Absent: what Settle holds for the same number, else the borrower's. " +
        "Where the jurisdiction allows contact with the debtor only (HK, CN, SG, MO, TW), no text or call goes to a number not the borrower's.",
    ),
};

export const ADDRESS_INCOMPLETE = "is required with a postal address (its first line and its country)";

const fastAddress = (max: number) => z4.string().trim().min(1).max(max).refine(noControl).nullish();

export const addressFastSchema = {
  address_line1: fastAddress(ADDRESS_LIMITS.address_line1),
  address_line2: fastAddress(ADDRESS_LIMITS.address_line2),
  address_city: fastAddress(ADDRESS_LIMITS.address_city),
  address_region: fastAddress(ADDRESS_LIMITS.address_region),
  address_postal_code: fastAddress(ADDRESS_LIMITS.address_postal_code),
  address_country: z4.string().regex(COUNTRY).nullish(),
  phone_owner: z4.enum(PHONE_OWNERS).optional(),
};
