import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHANNELS,
  DEFAULT_CONTACT_POLICY,
  ESCALATIONS,
  type ContactPolicy,
  type ContactStage,
} from "../domain/contact-policy";
import { channelField, listedField } from "./policy-channels-form";
import { fieldForPath, FORM_LEVEL, policyFormValues, readPolicyForm, stageField } from "./policy-form";

const defaults = () => policyFormValues(DEFAULT_CONTACT_POLICY);

describe("policy form", () => {
  it("round-trips the default policy", () => {
    const read = readPolicyForm(defaults());
    expect(read).toEqual({ ok: true, policy: DEFAULT_CONTACT_POLICY });
  });

  it("keeps send-time optimisation through a save of the form, and a blank field turns it off", () => {
    const learning = { ...DEFAULT_CONTACT_POLICY, sendTimeOptimisation: { explorationShare: 0.15 } };
    expect(readPolicyForm(policyFormValues(learning))).toEqual({ ok: true, policy: learning });
    const off = readPolicyForm({ ...policyFormValues(learning), sendTimeExplorationPercent: "" });
    expect(off.ok && off.policy.sendTimeOptimisation).toBeUndefined();
    for (const bad of ["101", "-5", "12.5", "ten"]) {
      const read = readPolicyForm({ ...defaults(), sendTimeExplorationPercent: bad });
      expect(read.ok ? read.policy : read.errors.sendTimeExplorationPercent, bad).toEqual([
        { key: "console:policy.errors.percent" },
      ]);
    }
  });

  it("edits the case SLAs, and puts an out-of-range one beside its field", () => {
    const read = readPolicyForm({ ...defaults(), "cases.hardshipReviewDays": "14" });
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    expect(read.policy.cases).toEqual({
      complaintAckWorkingDays: 5,
      complaintResponseDays: 56,
      hardshipReviewDays: 14,
    });
    const bad = readPolicyForm({ ...defaults(), "cases.complaintAckWorkingDays": "0" });
    expect(bad.ok ? [] : Object.keys(bad.errors)).toEqual(["cases.complaintAckWorkingDays"]);
  });

  it("reads edits, variants and a stage switched off", () => {
    const values = {
      ...defaults(),
      [stageField("early", "everyDays")]: "4",
      [stageField("mid", "variants")]: "A, C",
      "caps.minHoursBetweenReminders": "36.5",
    };
    delete values[stageField("pre_due", "enabled")];
    const read = readPolicyForm(values);
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    expect(read.policy.stages.map((s) => s.id)).toEqual(["due", "early", "mid", "late", "serious"]);
    expect(read.policy.stages.find((s) => s.id === "early")!.everyDays).toBe(4);
    expect(read.policy.stages.find((s) => s.id === "mid")!.variants).toEqual(["A", "C"]);
    expect(read.policy.caps.minHoursBetweenReminders).toBe(36.5);
  });

  it("puts each parse error next to its field, by the policy's path", () => {
    // mid starts inside early: overlapping stages.
    const values = {
      ...defaults(),
      [stageField("mid", "fromDpd")]: "5",
      [stageField("late", "everyDays")]: "0",
    };
    const read = readPolicyForm(values);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(Object.keys(read.errors).sort()).toEqual([
      stageField("late", "everyDays"),
      stageField("mid", "fromDpd"),
    ]);
    expect(read.errors[stageField("mid", "fromDpd")]![0]).toMatchObject({ path: "stages.3.fromDpd" });
    expect(read.errors[stageField("late", "everyDays")]![0]).toMatchObject({ path: "stages.4.everyDays" });
  });

  it("reports text that is not a number once, in its own words", () => {
    const read = readPolicyForm({
      ...defaults(),
      [stageField("due", "everyDays")]: "two",
      promiseGraceDays: "",
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors[stageField("due", "everyDays")]).toEqual([
      { key: "console:policy.errors.wholeNumber" },
    ]);
    expect(read.errors.promiseGraceDays).toEqual([{ key: "console:policy.errors.required" }]);
  });

  it("names unknown fields in the jurisdiction profiles and rejects broken JSON", () => {
    const jurisdictions = JSON.parse(defaults().jurisdictions!) as Record<string, Record<string, unknown>>;
    jurisdictions.HK!.quietSundays = true;
    const unknown = readPolicyForm({ ...defaults(), jurisdictions: JSON.stringify(jurisdictions) });
    expect(unknown.ok || unknown.errors.jurisdictions).toEqual([
      { path: "jurisdictions.HK.quietSundays", text: 'unknown field "quietSundays"' },
    ]);
    const broken = readPolicyForm({ ...defaults(), jurisdictions: "{ nope" });
    expect(broken.ok || broken.errors).toEqual({ jurisdictions: [{ key: "console:policy.errors.json" }] });
  });

  it("needs at least one stage", () => {
    const values = defaults();
    for (const key of Object.keys(values)) if (key.endsWith(".enabled")) delete values[key];
    const read = readPolicyForm(values);
    expect(read.ok || read.errors).toEqual({ stages: [{ key: "console:policy.errors.noStages" }] });
  });

  it("maps paths to fields", () => {
    const order = ["due", "early"] as const;
    expect(fieldForPath("stages.1.toDpd", order)).toBe("stage.early.toDpd");
    expect(fieldForPath("stages.1.variants.0", order)).toBe("stage.early.variants");
    expect(fieldForPath("stages.1.surprise", order)).toBe(FORM_LEVEL);
    expect(fieldForPath("contactWindow.end", order)).toBe("window.end");
    expect(fieldForPath("caps.callsPerDay", order)).toBe("caps.callsPerDay");
    expect(fieldForPath("jurisdictions.US.contactWindow.start", order)).toBe("jurisdictions");
    expect(fieldForPath("surprise", order)).toBe(FORM_LEVEL);
    expect(fieldForPath("stages.1.channels.0", order)).toBe("stage.early.channel.1");
    expect(fieldForPath("escalation.ignoredReminders", order)).toBe("escalation.ignoredReminders");
    expect(fieldForPath("escalation", order)).toBe(FORM_LEVEL);
  });
});

/** Any stages of the defaults (still sorted), each with any channel list or none, and any escalation. */
const stageArb = (stage: ContactStage) =>
  fc
    .record({
      escalation: fc.constantFrom(...ESCALATIONS),
      channels: fc.option(fc.shuffledSubarray([...CHANNELS], { minLength: 1 }), { nil: undefined }),
    })
    .map(({ escalation, channels }) => {
      const { channels: _none, ...rest } = stage;
      return { ...rest, escalation, ...(channels ? { channels } : {}) };
    });
const policyArb: fc.Arbitrary<ContactPolicy> = fc
  .record({
    stages: fc.tuple(...DEFAULT_CONTACT_POLICY.stages.map((s) => fc.option(stageArb(s), { nil: null }))),
    escalation: fc.record({
      undeliveredTexts: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      ignoredReminders: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
      whenRefused: fc.constantFrom("next_channel" as const, "stop" as const),
    }),
    connectedCallsPerDay: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  })
  .filter(({ stages }) => stages.some(Boolean))
  .map(({ stages, escalation, connectedCallsPerDay }) => {
    const caps = { ...DEFAULT_CONTACT_POLICY.caps };
    if (connectedCallsPerDay !== undefined) caps.connectedCallsPerDay = connectedCallsPerDay;
    return {
      ...DEFAULT_CONTACT_POLICY,
      stages: stages.filter((s): s is ContactStage => s !== null),
      escalation,
      caps,
    };
  });

describe("channels and escalation in the policy form (docs/product-rules.md §4.15, §8.7)", () => {
  it("policy -> form values -> policy is the identity, channels and escalation included", () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        expect(readPolicyForm(policyFormValues(policy))).toEqual({ ok: true, policy });
      }),
      { numRuns: 300 },
    );
  });

  it("shows a stage's channels in order, and those its escalation task implies when it lists none", () => {
    const policy = structuredClone(DEFAULT_CONTACT_POLICY);
    policy.stages.find((s) => s.id === "mid")!.channels = ["email", "sms"];
    const values = policyFormValues(policy);
    const places = (id: "mid" | "serious") => [1, 2, 3, 4].map((n) => values[channelField(id, n)]);
    expect(places("mid")).toEqual(["email", "sms", "", ""]);
    expect(values[listedField("mid")]).toBe("1");
    expect(places("serious")).toEqual(["sms", "call", "visit", ""]);
    expect(values[listedField("serious")]).toBeUndefined();
    expect(values["escalation.undeliveredTexts"]).toBe("3");
    expect(values["escalation.ignoredReminders"]).toBe("");
    expect(values["escalation.whenRefused"]).toBe("next_channel");
  });

  it("reads channels chosen in the form, blank places skipped, into the stage's list", () => {
    const read = readPolicyForm({
      ...defaults(),
      [channelField("early", 1)]: "",
      [channelField("early", 2)]: "email",
      [channelField("early", 3)]: "sms",
      "escalation.ignoredReminders": "4",
      "escalation.whenRefused": "stop",
    });
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    expect(read.policy.stages.find((s) => s.id === "early")!.channels).toEqual(["email", "sms"]);
    expect(read.policy.escalation).toEqual({ undeliveredTexts: 3, ignoredReminders: 4, whenRefused: "stop" });
  });

  it("says what to fix beside the field: no channel, an unknown or repeated channel, bad escalation", () => {
    const values = {
      ...defaults(),
      [channelField("due", 1)]: "",
      [channelField("early", 2)]: "fax",
      [channelField("mid", 2)]: "sms",
      "escalation.undeliveredTexts": "21",
      "escalation.ignoredReminders": "0",
      "escalation.whenRefused": "shout",
    };
    const read = readPolicyForm(values);
    expect(read.ok || read.errors).toEqual({
      [channelField("due", 1)]: [{ key: "console:policy.errors.noChannel" }],
      [channelField("early", 2)]: [{ key: "console:policy.errors.unknownChannel" }],
      [channelField("mid", 2)]: [{ key: "console:policy.errors.duplicateChannel" }],
      "escalation.undeliveredTexts": [{ key: "console:policy.errors.undeliveredTexts" }],
      "escalation.ignoredReminders": [{ key: "console:policy.errors.ignoredReminders" }],
      "escalation.whenRefused": [{ key: "console:policy.errors.whenRefused" }],
    });
    // A stage switched off is not checked.
    const off = { ...defaults(), [channelField("due", 1)]: "" };
    delete off[stageField("due", "enabled")];
    expect(readPolicyForm(off).ok).toBe(true);
  });
});
