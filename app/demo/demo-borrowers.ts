import type { AccountStatus, HardshipReason, Jurisdiction, Locale, Product } from "../../db/schema";

/**
 * Demo borrowers for `npm run dev` and the e2e journeys: one per stage of the
 * collections cycle, spread over the three locales. Phone numbers are from
 * reserved or fictional ranges (UK 07700 900xxx is Ofcom's drama range).
 * The plain-text answers are listed so a developer can log in; only their
 * keyed hashes reach the database.
 */
export type DemoStage = "pre_due" | "early" | "mid" | "late" | "serious" | "paid" | "in_plan" | "in_hardship";

export interface DemoBorrower {
  externalRef: string;
  stage: DemoStage;
  fullName: string;
  locale: Locale;
  phoneE164: string;
  email: string | null;
  timeZone: string;
  jurisdiction: Jurisdiction;
  dob: string;
  idLast4: string;
  account: {
    externalRef: string;
    product: Product;
    last4: string;
    currency: string;
    balanceMinor: number;
    overdueMinor: number;
    minimumDueMinor: number;
    feesMinor: number;
    interestMinor: number;
    dpd: number;
    status: AccountStatus;
    /** Days from today; negative is in the past. Null when settled, or when a plan sets it. */
    dueInDays: number | null;
  };
  plan?: { totalMinor: number; instalmentCount: number; firstDueInDays: number; paidInstalments: number };
  hardship?: { reason: HardshipReason; details: string; pauseDays: number };
  preferences?: { windowStart?: string; windowEnd?: string; maxPerWeek?: number; emailAllowed?: boolean };
  /** A postal address (fictional), so the demo's serious stage can propose a visit (docs/product-rules.md §4.19). */
  address?: { line1: string; city: string; postalCode: string; country: string };
}

export const DEMO_BORROWERS: readonly DemoBorrower[] = [
  {
    externalRef: "DEMO-HK-PREDUE",
    stage: "pre_due",
    fullName: "陳大文",
    locale: "zh-HK",
    phoneE164: "+85291234501",
    email: null,
    timeZone: "Asia/Hong_Kong",
    jurisdiction: "HK",
    dob: "1985-03-14",
    idLast4: "4567",
    account: {
      externalRef: "DEMO-HK-PREDUE-CC",
      product: "credit_card",
      last4: "1234",
      currency: "HKD",
      balanceMinor: 1_850_000,
      overdueMinor: 0,
      minimumDueMinor: 92_500,
      feesMinor: 0,
      interestMinor: 0,
      dpd: 0,
      status: "current",
      dueInDays: 3,
    },
  },
  {
    externalRef: "DEMO-HK-EARLY",
    stage: "early",
    fullName: "李嘉欣",
    locale: "zh-HK",
    phoneE164: "+85291234502",
    email: "kayan.lee@example.com",
    timeZone: "Asia/Hong_Kong",
    jurisdiction: "HK",
    dob: "1990-07-02",
    idLast4: "123A",
    account: {
      externalRef: "DEMO-HK-EARLY-CC",
      product: "credit_card",
      last4: "2468",
      currency: "HKD",
      balanceMinor: 1_234_500,
      overdueMinor: 123_400,
      minimumDueMinor: 123_400,
      feesMinor: 20_000,
      interestMinor: 4_550,
      dpd: 4,
      status: "delinquent",
      dueInDays: -4,
    },
  },
  {
    externalRef: "DEMO-CN-MID",
    stage: "mid",
    fullName: "王芳",
    locale: "zh-CN",
    phoneE164: "+8613812345603",
    email: null,
    timeZone: "Asia/Shanghai",
    jurisdiction: "CN",
    dob: "1988-11-23",
    idLast4: "031X",
    account: {
      externalRef: "DEMO-CN-MID-PL",
      product: "personal_loan",
      last4: "3579",
      currency: "CNY",
      balanceMinor: 4_560_000,
      overdueMinor: 380_000,
      minimumDueMinor: 380_000,
      feesMinor: 5_000,
      interestMinor: 12_340,
      dpd: 12,
      status: "delinquent",
      dueInDays: -12,
    },
    preferences: { windowStart: "12:00", windowEnd: "14:00" },
  },
  {
    externalRef: "DEMO-CN-LATE",
    stage: "late",
    fullName: "张伟",
    locale: "zh-CN",
    phoneE164: "+8613912345604",
    email: "zhang.wei@example.com",
    timeZone: "Asia/Shanghai",
    jurisdiction: "CN",
    dob: "1979-01-30",
    idLast4: "5521",
    account: {
      externalRef: "DEMO-CN-LATE-CC",
      product: "credit_card",
      last4: "8642",
      currency: "CNY",
      balanceMinor: 2_345_678,
      overdueMinor: 512_300,
      minimumDueMinor: 256_150,
      feesMinor: 15_000,
      interestMinor: 38_210,
      dpd: 35,
      status: "delinquent",
      dueInDays: -35,
    },
  },
  {
    externalRef: "DEMO-UK-SERIOUS",
    stage: "serious",
    fullName: "Oliver Bennett",
    locale: "en",
    phoneE164: "+447700900105",
    email: "oliver.bennett@example.co.uk",
    timeZone: "Europe/London",
    jurisdiction: "UK",
    dob: "1975-09-09",
    idLast4: "7788",
    account: {
      externalRef: "DEMO-UK-SERIOUS-AL",
      product: "auto_loan",
      last4: "9753",
      currency: "GBP",
      balanceMinor: 1_125_000,
      overdueMinor: 96_000,
      minimumDueMinor: 32_000,
      feesMinor: 7_500,
      interestMinor: 6_420,
      dpd: 75,
      status: "delinquent",
      dueInDays: -75,
    },
    preferences: { windowStart: "10:00", windowEnd: "18:00", maxPerWeek: 2 },
    address: { line1: "1 Example Street", city: "Leeds", postalCode: "LS1 1AA", country: "GB" },
  },
  {
    externalRef: "DEMO-UK-PAID",
    stage: "paid",
    fullName: "Amelia Clarke",
    locale: "en",
    phoneE164: "+447700900106",
    email: "amelia.clarke@example.co.uk",
    timeZone: "Europe/London",
    jurisdiction: "UK",
    dob: "1992-05-17",
    idLast4: "3141",
    account: {
      externalRef: "DEMO-UK-PAID-CC",
      product: "credit_card",
      last4: "1357",
      currency: "GBP",
      balanceMinor: 0,
      overdueMinor: 0,
      minimumDueMinor: 0,
      feesMinor: 0,
      interestMinor: 0,
      dpd: 0,
      status: "paid",
      dueInDays: null,
    },
  },
  {
    externalRef: "DEMO-HK-PLAN",
    stage: "in_plan",
    fullName: "何詠詩",
    locale: "zh-HK",
    phoneE164: "+85291234507",
    email: null,
    timeZone: "Asia/Hong_Kong",
    jurisdiction: "HK",
    dob: "1983-12-05",
    idLast4: "9090",
    account: {
      externalRef: "DEMO-HK-PLAN-PL",
      product: "personal_loan",
      last4: "5050",
      currency: "HKD",
      balanceMinor: 1_028_805,
      overdueMinor: 0,
      minimumDueMinor: 205_761,
      feesMinor: 0,
      interestMinor: 0,
      dpd: 0,
      status: "current",
      dueInDays: null,
    },
    // The first instalment (paid) fell due ten days ago; the account is due on the next one.
    plan: { totalMinor: 1_234_567, instalmentCount: 6, firstDueInDays: -10, paidInstalments: 1 },
  },
  {
    externalRef: "DEMO-CN-HARDSHIP",
    stage: "in_hardship",
    fullName: "刘洋",
    locale: "zh-CN",
    phoneE164: "+8613712345608",
    email: null,
    timeZone: "Asia/Shanghai",
    jurisdiction: "CN",
    dob: "1995-04-21",
    idLast4: "6006",
    account: {
      externalRef: "DEMO-CN-HARDSHIP-CC",
      product: "credit_card",
      last4: "7272",
      currency: "CNY",
      balanceMinor: 1_876_500,
      overdueMinor: 310_000,
      minimumDueMinor: 155_000,
      feesMinor: 10_000,
      interestMinor: 22_870,
      dpd: 22,
      status: "delinquent",
      dueInDays: -22,
    },
    hardship: { reason: "job_loss", details: "公司裁员，正在找新工作，希望暂停催收一个月。", pauseDays: 30 },
  },
];
