import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatMoney } from "~/domain/money";
import { InstalmentTable } from "~/ui/InstalmentTable";

/** The settlement panel (app/routes/staff.borrowers.$borrowerId_.settlements.tsx). */
export interface SettlementPanelReply {
  intent: string;
  target?: string;
  errors: Record<string, string[]>;
}

interface PanelSettlement {
  id: string;
  status: string;
  currency: string;
  balanceMinor: number;
  agreedMinor: number;
  discountBp: number;
  accountRef: string;
  expiresAt: string;
  acceptedAt: string | null;
  termsText: string | null;
  termsVersion: string | null;
  proposedBy: string | null;
  proposalReason: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  mine: boolean;
  payments: Array<{ seq: number; dueDate: string; amountMinor: number; status: "due" | "paid" | "missed" }>;
}

interface PanelView {
  borrower: { id: string; name: string };
  accounts: Array<{ id: string; ref: string; last4: string; dpd: number }>;
  settlements: PanelSettlement[];
  done: string | null;
  may: { propose: boolean; decide: boolean; withdraw: boolean };
}

function Errors({ errors, id }: { errors?: string[]; id: string }) {
  const { t } = useTranslation("settlement");
  if (!errors?.length) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {errors.map((e) => t(e)).join(" ")}
    </p>
  );
}

export function SettlementPanel({ view, reply }: { view: PanelView; reply?: SettlementPanelReply }) {
  const { t } = useTranslation("settlement");
  return (
    <>
      <p>
        <Link to={`/staff/borrowers/${view.borrower.id}`}>{view.borrower.name}</Link>
      </p>
      <h1>{t("staff.panelTitle")}</h1>
      {view.done ? (
        <p className="notice" role="status">
          {t(`staff.${view.done}`)}
        </p>
      ) : null}
      {view.settlements.length === 0 ? <p className="hint">{t("staff.none")}</p> : null}
      {view.settlements.map((s) => (
        <SettlementCard key={s.id} s={s} may={view.may} reply={reply?.target === s.id ? reply : undefined} />
      ))}
      {view.may.propose ? (
        <ProposeForm accounts={view.accounts} reply={reply?.intent === "propose" ? reply : undefined} />
      ) : null}
    </>
  );
}

function SettlementCard({
  s,
  may,
  reply,
}: {
  s: PanelSettlement;
  may: PanelView["may"];
  reply?: SettlementPanelReply;
}) {
  const { t, i18n } = useTranslation("settlement");
  const money = (minor: number) => formatMoney({ minor, currency: s.currency }, i18n.language);
  const canDecide = may.decide && s.status === "pending_approval" && !s.mine;
  const canWithdraw = may.withdraw && (s.status === "offered" || s.status === "accepted");
  return (
    <section className="card" aria-labelledby={`settlement-${s.id}`}>
      <h2 id={`settlement-${s.id}`}>
        {s.accountRef}: {t(`staff.status_${s.status}`)}
      </h2>
      <dl className="summary">
        <div className="summary-row">
          <dt>{t("staff.agreed")}</dt>
          <dd>
            {money(s.agreedMinor)} ({t("staff.discount")} {money(s.balanceMinor - s.agreedMinor)})
          </dd>
        </div>
        <div className="summary-row">
          <dt>{t("staff.expires")}</dt>
          <dd>{s.expiresAt.slice(0, 10)}</dd>
        </div>
      </dl>
      {s.proposedBy ? <p>{t("staff.proposedBy", { name: s.proposedBy, reason: s.proposalReason })}</p> : null}
      {s.decidedBy ? <p>{t("staff.decidedBy", { name: s.decidedBy, reason: s.decisionReason })}</p> : null}
      {s.payments.length ? (
        <InstalmentTable instalments={s.payments} currency={s.currency} showStatus />
      ) : null}
      {s.termsText ? (
        <details>
          <summary>{t("staff.terms")}</summary>
          <p className="free-text">{s.termsText}</p>
        </details>
      ) : null}
      <Errors errors={reply?.errors._form} id={`settlement-${s.id}-error`} />
      {canDecide || canWithdraw ? (
        <Form method="post">
          <input type="hidden" name="settlementId" value={s.id} />
          <div className="field">
            <label htmlFor={`reason-${s.id}`}>{t("staff.decisionReason")}</label>
            <input id={`reason-${s.id}`} name="reason" maxLength={500} required />
            <Errors errors={reply?.errors.reason} id={`reason-${s.id}-error`} />
          </div>
          {canDecide ? (
            <>
              <button type="submit" name="intent" value="approve" className="button primary">
                {t("staff.approve")}
              </button>{" "}
              <button type="submit" name="intent" value="reject" className="button secondary">
                {t("staff.reject")}
              </button>
            </>
          ) : null}
          {canWithdraw ? (
            <button type="submit" name="intent" value="withdraw" className="button secondary">
              {t("staff.withdraw")}
            </button>
          ) : null}
        </Form>
      ) : null}
    </section>
  );
}

const PROPOSE_FIELDS = [
  ["discountPercent", "staff.discountPercent", "20"],
  ["paymentCount", "staff.paymentCount", "1"],
  ["windowDays", "staff.windowDays", "60"],
  ["validityDays", "staff.validityDays", "14"],
] as const;

function ProposeForm({ accounts, reply }: { accounts: PanelView["accounts"]; reply?: SettlementPanelReply }) {
  const { t } = useTranslation("settlement");
  const errors = reply?.errors ?? {};
  return (
    <section className="card" aria-labelledby="propose-title">
      <h2 id="propose-title">{t("staff.proposeTitle")}</h2>
      <p className="hint">{t("staff.proposeHint")}</p>
      <Errors errors={errors._form} id="propose-error" />
      <Form method="post">
        <input type="hidden" name="intent" value="propose" />
        <div className="field">
          <label htmlFor="propose-account">{t("staff.account")}</label>
          <select id="propose-account" name="accountId">
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.ref} (…{a.last4}, {a.dpd})
              </option>
            ))}
          </select>
          <Errors errors={errors.accountId} id="propose-account-error" />
        </div>
        {PROPOSE_FIELDS.map(([name, label, value]) => (
          <div className="field" key={name}>
            <label htmlFor={`propose-${name}`}>{t(label)}</label>
            <input id={`propose-${name}`} name={name} defaultValue={value} inputMode="decimal" required />
            <Errors errors={errors[name]} id={`propose-${name}-error`} />
          </div>
        ))}
        <div className="field">
          <label htmlFor="propose-reason">{t("staff.reason")}</label>
          <textarea id="propose-reason" name="reason" maxLength={500} required />
          <Errors errors={errors.reason} id="propose-reason-error" />
        </div>
        <button type="submit" className="button primary">
          {t("staff.propose")}
        </button>
      </Form>
    </section>
  );
}
