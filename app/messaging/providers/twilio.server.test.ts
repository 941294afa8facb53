import { describe, expect, it } from "vitest";
import { createTwilioProvider, loadTwilioConfig } from "./twilio.server";

/** What the adapter asks Twilio's SDK to send: the sender a text was given wins over the configured default. */
function capturing() {
  const calls: Array<Record<string, unknown>> = [];
  const client = {
    messages: { create: async (params: Record<string, unknown>) => (calls.push(params), { sid: "SM1" }) },
  };
  return {
    calls,
    client: client as unknown as NonNullable<Parameters<typeof createTwilioProvider>[1]>["client"],
  };
}

const base = { TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`, TWILIO_AUTH_TOKEN: "x".repeat(32) };

describe("the Twilio adapter's sender", () => {
  it("sends from TWILIO_FROM, or from the text's own sender when it has one", async () => {
    const { calls, client } = capturing();
    const provider = createTwilioProvider(loadTwilioConfig({ ...base, TWILIO_FROM: "+85230000000" }), {
      client,
    });
    await provider.send({ messageId: "m1", to: "+85291234567", body: "hi" });
    await provider.send({ messageId: "m2", to: "+85291234567", body: "hi", from: "#SettleBank" });
    expect(calls.map((c) => c.from)).toEqual(["+85230000000", "#SettleBank"]);
  });

  it("with a messaging service, names a sender only when the text has one (it must be in the service's pool)", async () => {
    const { calls, client } = capturing();
    const service = `MG${"b".repeat(32)}`;
    const provider = createTwilioProvider(
      loadTwilioConfig({ ...base, TWILIO_MESSAGING_SERVICE_SID: service }),
      { client },
    );
    await provider.send({ messageId: "m1", to: "+85291234567", body: "hi" });
    await provider.send({ messageId: "m2", to: "+85291234567", body: "hi", from: "+85230001234" });
    expect(calls.map((c) => [c.messagingServiceSid, c.from])).toEqual([
      [service, undefined],
      [service, "+85230001234"],
    ]);
  });
});
