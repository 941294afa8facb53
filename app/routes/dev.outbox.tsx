import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { config, devSecretsAllowed } from "~/platform/config.server";
import { handleInboundSms } from "~/engine/inbound.server";
import { listOutbox } from "~/messaging/outbox-view.server";

/**
 * Dev only: every text the outbox provider "sent", shown as on a phone, links
 * clickable, plus a box to reply as the borrower (STOP, HELP...). 404 in
 * production and whenever a real provider is configured.
 */
function assertDevOutbox() {
  const cfg = config();
  // The same exact test as the config's: "0" or "false" must not open every text and its live link.
  if (cfg.isProduction && !devSecretsAllowed()) throw new Response("Not found", { status: 404 });
  if (cfg.SMS_PROVIDER !== "outbox") throw new Response("Not found", { status: 404 });
}

export async function loader({ context }: LoaderFunctionArgs) {
  assertDevOutbox();
  return { phones: await listOutbox(context.db, 200) };
}

const replySchema = z.object({
  from: z.string().regex(/^\+[1-9]\d{6,14}$/),
  body: z.string().trim().min(1).max(480),
});

export async function action({ request, context }: ActionFunctionArgs) {
  assertDevOutbox();
  const parsed = replySchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: "Enter a reply of 1 to 480 characters." }, { status: 400 });
  await handleInboundSms(context.db, {
    from: parsed.data.from,
    body: parsed.data.body,
    provider: "outbox",
    providerMessageId: null,
  });
  return { error: null };
}

const URL_PATTERN = /(https?:\/\/[^\s]+)/g;

function Linkified({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_PATTERN).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

export default function DevOutbox() {
  const { phones } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="outbox-title">
      <h1 id="outbox-title">Dev outbox</h1>
      <p className="hint">
        Texts sent through the outbox provider (SMS_PROVIDER=outbox). Newest first. Development only.
      </p>
      {phones.length === 0 ? (
        <p>
          No texts yet. Run <code>npm run settle -- schedule:run</code>.
        </p>
      ) : null}
      {phones.map((phone) => (
        <article key={phone.to} className="phone" aria-label={`Texts to ${phone.to}`}>
          <h2>{phone.to}</h2>
          <ol className="bubbles">
            {phone.messages.map((m) => (
              <li key={m.id} className={`bubble ${m.direction}`}>
                <p>
                  <Linkified text={m.body} />
                </p>
                <p className="meta">
                  {m.at} · {m.status}
                  {m.segments ? ` · ${m.segments} ${m.encoding} segment${m.segments > 1 ? "s" : ""}` : ""}
                  {m.templateKey ? ` · ${m.templateKey}` : ""}
                </p>
              </li>
            ))}
          </ol>
          <Form method="post" className="reply">
            <input type="hidden" name="from" value={phone.to} />
            <label htmlFor={`reply-${phone.to}`}>Reply as this phone</label>
            <input id={`reply-${phone.to}`} name="body" placeholder="STOP, HELP, START…" maxLength={480} />
            <button type="submit" className="button secondary">
              Send reply
            </button>
          </Form>
        </article>
      ))}
    </section>
  );
}
