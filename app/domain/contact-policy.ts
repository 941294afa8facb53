import { z } from "zod";
import type { PlanPolicy } from "./instalments";
import { CLOCK_PATTERN, intersectWindows, windowFromClocks, type LocalWindow } from "./local-time";
import { currencyExponent } from "./money";
import { SHIPPED_JURISDICTION_PROFILES, withAddedJurisdictions } from "./jurisdiction-profiles";
import type { Jurisdiction } from "../../db/schema";

export type { Jurisdiction };

/**
 * The contact policy as data (docs/product-rules.md §4.2): supervisors edit it, it is stored as
 * JSON in contact_policies, and `decideNextContact` reads it. Every object is
 * strict so a misspelt field fails loudly instead of silently doing nothing.
 */

export const STAGE_IDS = ["pre_due", "due", "early", "mid", "late", "serious"] as const;
export type StageId = (typeof STAGE_IDS)[number];
export const JURISDICTIONS = [
  "HK",
  "CN",
  "US",
  "UK",
  "SG",
  "MO",
  "TW",
] as const satisfies readonly Jurisdiction[];
export const ESCALATIONS = ["none", "call_task", "visit_offer"] as const;
export type Escalation = (typeof ESCALATIONS)[number];
/** Every way the schedule can reach a borrower (docs/product-rules.md §4.15). */
export const CHANNELS = ["sms", "email", "call", "visit"] as const;
export type Channel = (typeof CHANNELS)[number];

/** The automatic plan approval limits, in whole currency units (converted per currency by planPolicyFor). */
const DEFAULT_PLAN_RULES = {
  largeBalance: 50_000,
  maxMonthsSmall: 6,
  maxMonthsLarge: 12,
  minInstalment: 200,
  maxDaysToFirstPayment: 14,
  brokenPlanLookbackDays: 180,
  maxInstalmentMoveDays: 14,
};

const clock = z.string().regex(CLOCK_PATTERN, 'expected "HH:MM" (00:00-23:59)');

const windowSchema = z
  .object({ start: clock, end: clock })
  .strict()
  .superRefine((w, ctx) => {
    // Windows are daytime bands; one wrapping midnight would mean contact at night.
    if (CLOCK_PATTERN.test(w.start) && CLOCK_PATTERN.test(w.end) && w.start >= w.end) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["end"],
        message: "window end must be after its start",
      });
    }
  });

const stageSchema = z
  .object({
    id: z.enum(STAGE_IDS),
    /** Days past due; negative means days before the due date (pre_due -3..-1). */
    fromDpd: z.number().int(),
    toDpd: z.number().int(),
    everyDays: z.number().int().min(1).max(365),
    tone: z.enum(["gentle", "neutral", "firm"]),
    channel: z.literal("sms"),
    escalation: z.enum(ESCALATIONS),
    /** Channels in the order the schedule tries them (§4.15); absent: SMS, then what `escalation` implies. */
    channels: z.array(z.enum(CHANNELS)).min(1).max(4).optional(),
    variants: z.array(z.string().min(1).max(16)).min(1).max(8).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.fromDpd > s.toDpd)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["toDpd"], message: "toDpd must be >= fromDpd" });
    if (s.variants && new Set(s.variants).size !== s.variants.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["variants"], message: "variants must be unique" });
    }
  });

// SMS caps are at least 1: a zero cap would make "the next permitted time" never arrive.
const capsShape = {
  smsPerAccountPerDay: z.number().int().min(1).max(10),
  smsPerBorrowerPer7Days: z.number().int().min(1).max(50),
  minHoursBetweenReminders: z
    .number()
    .min(0)
    .max(24 * 14),
  callsPerDay: z.number().int().min(0).max(20),
  callsPer7Days: z.number().int().min(0).max(100),
  /** Calls the borrower answered, per local day (NIFA: 3); absent means only callsPerDay binds. */
  connectedCallsPerDay: z.number().int().min(0).max(20).optional(),
};
const capsSchema = z.object(capsShape).strict();

const jurisdictionProfileSchema = z
  .object({
    /** The rules this profile encodes, for the policy editor and auditors. */
    basis: z.array(z.string().min(1).max(300)).max(20),
    /** Outer bound on contact hours; intersected with the policy window and the borrower's. */
    contactWindow: windowSchema.optional(),
    /** Caps can only be tightened: the stricter of policy and profile applies. */
    caps: z.object(capsShape).partial().strict().optional(),
    /** Every text carries a simple opt-out (US Reg F 1006.6(e)); read by the template layer. */
    smsOptOutNotice: z.boolean(),
    /** Never contact referees or family (HK CBP s.43, mainland NIFA). */
    contactDebtorOnly: z.boolean(),
    /** SMS must come from a registered sender ID (HK OFCA "#" senders). */
    registeredSenderId: z.boolean(),
    /** No call within this many days of a conversation (US Reg F 1006.14(b)); read by the call-task layer. */
    callCooldownAfterConversationDays: z.number().int().min(0).max(365).optional(),
    /** UK Debt Respite Scheme: a moratorium freezes repayment contact. */
    breathingSpace: z
      .object({
        moratoriumDays: z.number().int().min(1).max(365),
        maxPerMonths: z.number().int().min(1).max(120),
      })
      .strict()
      .optional(),
  })
  .strict();

const contactPolicySchema = z
  .object({
    stages: z
      .array(stageSchema)
      .min(1)
      .superRefine((stages, ctx) => {
        const seen = new Set<string>();
        stages.forEach((s, i) => {
          if (seen.has(s.id))
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [i, "id"],
              message: `stage ${s.id} appears twice`,
            });
          seen.add(s.id);
          const prev = stages[i - 1];
          if (prev && s.fromDpd <= prev.toDpd) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [i, "fromDpd"],
              message: `stages must be sorted and non-overlapping: ${s.id} starts at ${s.fromDpd}, ${prev.id} ends at ${prev.toDpd}`,
            });
          }
        });
      }),
    /** Local hours in which SMS may go out; outside them are quiet hours. */
    contactWindow: windowSchema,
    caps: capsSchema,
    /** Reminders pause until the promised date plus this many days (end of that local day). */
    promiseGraceDays: z.number().int().min(0).max(30),
    hardshipPauseDays: z.number().int().min(1).max(180),
    /** Case SLAs (docs/product-rules.md §8.13); policies saved before cases existed get the defaults. */
    cases: z
      .object({
        complaintAckWorkingDays: z.number().int().min(1).max(30),
        complaintResponseDays: z.number().int().min(1).max(120),
        hardshipReviewDays: z.number().int().min(1).max(60),
      })
      .strict()
      .default({ complaintAckWorkingDays: 5, complaintResponseDays: 56, hardshipReviewDays: 10 }),
    /**
     * The instalment plans the portal approves by itself (docs/product-rules.md §7.3); policies saved before
     * it was editable get the former fixed values. Amounts are whole units of the account's currency.
     */
    plans: z
      .object({
        largeBalance: z.number().int().min(0).max(1_000_000_000),
        maxMonthsSmall: z.number().int().min(1).max(12),
        maxMonthsLarge: z.number().int().min(1).max(12),
        minInstalment: z.number().int().min(0).max(1_000_000_000),
        maxDaysToFirstPayment: z.number().int().min(0).max(60),
        brokenPlanLookbackDays: z.number().int().min(0).max(730),
        maxInstalmentMoveDays: z.number().int().min(0).max(31).default(14),
      })
      .strict()
      .refine((p) => p.maxMonthsSmall <= p.maxMonthsLarge, {
        message: "the longest term for large balances must be at least the one for smaller balances",
        path: ["maxMonthsLarge"],
      })
      .default(DEFAULT_PLAN_RULES),
    /** Send-time optimisation (docs/product-rules.md §4.13); absent means off: reminders go at the first permitted minute. */
    sendTimeOptimisation: z
      .object({ explorationShare: z.number().min(0).max(1) })
      .strict()
      .optional(),
    /** When the schedule moves to a stage's next channel (§4.15); absent: the defaults below. */
    escalation: z
      .object({
        /** Texts in a row the provider reported undelivered or failed; null never escalates for it. */
        undeliveredTexts: z.number().int().min(1).max(20).nullable(),
        /** Reminders in a row whose link was never opened; null never escalates for it. */
        ignoredReminders: z.number().int().min(1).max(50).nullable(),
        /** A refused channel (opted out, not allowed, wrong number): try the next one, or stop. */
        whenRefused: z.enum(["next_channel", "stop"]),
      })
      .strict()
      .default({ undeliveredTexts: 3, ignoredReminders: null, whenRefused: "next_channel" }),
    jurisdictions: z.preprocess(
      withAddedJurisdictions,
      z
        .object({
          HK: jurisdictionProfileSchema,
          CN: jurisdictionProfileSchema,
          US: jurisdictionProfileSchema,
          UK: jurisdictionProfileSchema,
          SG: jurisdictionProfileSchema,
          MO: jurisdictionProfileSchema,
          TW: jurisdictionProfileSchema,
        })
        .strict(),
    ),
  })
  .strict();

export type ContactPolicy = z.infer<typeof contactPolicySchema>;
export type ContactStage = ContactPolicy["stages"][number];
export type ContactCaps = ContactPolicy["caps"];

interface PolicyError {
  path: string;
  message: string;
}

export type ParsedContactPolicy = { ok: true; policy: ContactPolicy } | { ok: false; errors: PolicyError[] };

export function parseContactPolicy(input: unknown): ParsedContactPolicy {
  const result = contactPolicySchema.safeParse(input);
  if (result.success) return { ok: true, policy: result.data };
  const errors = result.error.issues.flatMap((issue): PolicyError[] => {
    const path = issue.path.join(".");
    // zod reports unknown keys on their parent; name each one so the editor can point at it.
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: `unknown field "${key}"`,
      }));
    }
    return [{ path, message: issue.message }];
  });
  return { ok: false, errors };
}

export const DEFAULT_CONTACT_POLICY: ContactPolicy = contactPolicySchema.parse({
  stages: [
    {
      id: "pre_due",
      fromDpd: -3,
      toDpd: -1,
      everyDays: 3,
      tone: "gentle",
      channel: "sms",
      escalation: "none",
    },
    { id: "due", fromDpd: 0, toDpd: 0, everyDays: 1, tone: "gentle", channel: "sms", escalation: "none" },
    { id: "early", fromDpd: 1, toDpd: 6, everyDays: 3, tone: "gentle", channel: "sms", escalation: "none" },
    { id: "mid", fromDpd: 7, toDpd: 29, everyDays: 5, tone: "neutral", channel: "sms", escalation: "none" },
    {
      id: "late",
      fromDpd: 30,
      toDpd: 59,
      everyDays: 7,
      tone: "firm",
      channel: "sms",
      escalation: "call_task",
    },
    {
      id: "serious",
      fromDpd: 60,
      toDpd: 100_000,
      everyDays: 7,
      tone: "firm",
      channel: "sms",
      escalation: "visit_offer",
    },
  ],
  contactWindow: { start: "09:00", end: "20:00" },
  caps: {
    smsPerAccountPerDay: 1,
    smsPerBorrowerPer7Days: 3,
    minHoursBetweenReminders: 48,
    callsPerDay: 3,
    callsPer7Days: 7,
  },
  promiseGraceDays: 2,
  hardshipPauseDays: 30,
  cases: { complaintAckWorkingDays: 5, complaintResponseDays: 56, hardshipReviewDays: 10 },
  plans: DEFAULT_PLAN_RULES,
  jurisdictions: SHIPPED_JURISDICTION_PROFILES,
});

export function stageForDpd(policy: ContactPolicy, dpd: number): ContactStage | null {
  return policy.stages.find((s) => dpd >= s.fromDpd && dpd <= s.toDpd) ?? null;
}

/** The first stage that starts after dpd, for "when does the schedule next have something to say". */
export function nextStageAfter(policy: ContactPolicy, dpd: number): ContactStage | null {
  return policy.stages.find((s) => s.fromDpd > dpd) ?? null;
}

/** Policy caps tightened by the jurisdiction's: counts take the minimum, the gap the maximum. */
export function effectiveCaps(policy: ContactPolicy, jurisdiction: Jurisdiction): ContactCaps {
  const base = policy.caps;
  const tighter = policy.jurisdictions[jurisdiction].caps ?? {};
  const connected = Math.min(base.connectedCallsPerDay ?? Infinity, tighter.connectedCallsPerDay ?? Infinity);
  return {
    smsPerAccountPerDay: Math.min(base.smsPerAccountPerDay, tighter.smsPerAccountPerDay ?? Infinity),
    smsPerBorrowerPer7Days: Math.min(base.smsPerBorrowerPer7Days, tighter.smsPerBorrowerPer7Days ?? Infinity),
    minHoursBetweenReminders: Math.max(base.minHoursBetweenReminders, tighter.minHoursBetweenReminders ?? 0),
    callsPerDay: Math.min(base.callsPerDay, tighter.callsPerDay ?? Infinity),
    callsPer7Days: Math.min(base.callsPer7Days, tighter.callsPer7Days ?? Infinity),
    ...(Number.isFinite(connected) ? { connectedCallsPerDay: connected } : {}),
  };
}

/** A stage's channels in order: its own list, else SMS and the task its `escalation` names. */
export function stageChannels(stage: ContactStage): readonly Channel[] {
  return stage.channels ?? escalationChannels(stage.escalation);
}

/** The channels of a stage that lists none: SMS, then the task its `escalation` names. */
export function escalationChannels(escalation: Escalation): readonly Channel[] {
  if (escalation === "call_task") return ["sms", "call"];
  if (escalation === "visit_offer") return ["sms", "call", "visit"];
  return ["sms"];
}

/**
 * The policy window narrowed by the jurisdiction's. If an edited policy window
 * does not meet the profile's at all, the profile's wins: never outside the law.
 */
export function jurisdictionWindow(policy: ContactPolicy, jurisdiction: Jurisdiction): LocalWindow {
  const own = toWindow(policy.contactWindow);
  const profile = policy.jurisdictions[jurisdiction].contactWindow;
  if (!profile) return own;
  const legal = toWindow(profile);
  return intersectWindows(own, legal) ?? legal;
}

function toWindow(w: { start: string; end: string }): LocalWindow {
  const window = windowFromClocks(w.start, w.end);
  // The schema guarantees this; a hand-built policy object that skipped parsing does not.
  if (!window) throw new RangeError(`invalid contact window ${w.start}-${w.end}`);
  return window;
}

/** The policy's plan limits for one account currency, amounts in its minor units (HK$50,000 is 5,000,000). */
export function planPolicyFor(policy: ContactPolicy, currency: string): PlanPolicy {
  const unit = 10 ** currencyExponent(currency);
  const { largeBalance, minInstalment, ...days } = policy.plans;
  return { ...days, largeBalanceMinor: largeBalance * unit, minInstalmentMinor: minInstalment * unit };
}
