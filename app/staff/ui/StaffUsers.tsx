import { getFormProps, type useForm } from "@conform-to/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { StaffRole } from "../../../db/schema";
import { INVITE_LANGUAGES, type InviteFields } from "../staff-admin-forms";
import { StaffErrors, StaffInput, StaffSelect } from "./fields";

/** The parts of /staff/users: the members with their buttons, the invite form, the link shown once. */
interface UserRow {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  enrolled: boolean;
  disabled: boolean;
  activeSessions: number;
  inviteExpiresAt: string | null;
}

function stateLabel(u: UserRow, t: (key: string, opts?: Record<string, unknown>) => string): string {
  if (u.disabled) return t("users.disabled");
  if (u.enrolled) return t("users.active");
  return u.inviteExpiresAt ? t("users.invited", { when: u.inviteExpiresAt }) : t("users.notEnrolled");
}

/** One button's form: a plain POST, so it works without JavaScript. */
function MemberButton({ intent, user, label }: { intent: string; user: UserRow; label: string }) {
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="staffUserId" value={user.id} />
      <button type="submit" className="button secondary small">
        {label}
      </button>
    </Form>
  );
}

/** A new set-up link for someone not set up yet (the old one lost or expired): the invite action again. */
function ReinviteButton({ user }: { user: UserRow }) {
  const { t } = useTranslation("staff");
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value="invite" />
      <input type="hidden" name="email" value={user.email} />
      <input type="hidden" name="role" value={user.role} />
      <button type="submit" className="button secondary small">
        {t("users.reinvite", { email: user.email })}
      </button>
    </Form>
  );
}

function RoleForm({ user, roles }: { user: UserRow; roles: StaffRole[] }) {
  const { t } = useTranslation("staff");
  const id = `role-${user.id}`;
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value="change_role" />
      <input type="hidden" name="staffUserId" value={user.id} />
      <label htmlFor={id} className="visually-hidden">
        {t("users.roleFor", { email: user.email })}
      </label>
      <select id={id} name="role" defaultValue={user.role}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </select>{" "}
      <button type="submit" className="button secondary small">
        {t("users.changeRole", { email: user.email })}
      </button>
    </Form>
  );
}

function MemberActions({ user, roles, isMe }: { user: UserRow; roles: StaffRole[]; isMe: boolean }) {
  const { t } = useTranslation("staff");
  if (isMe) return <span className="hint">{t("users.you")}</span>;
  const email = user.email;
  return (
    <div className="button-row">
      <RoleForm user={user} roles={roles} />
      {user.disabled ? (
        <MemberButton intent="enable" user={user} label={t("users.enable", { email })} />
      ) : (
        <MemberButton intent="disable" user={user} label={t("users.disable", { email })} />
      )}
      {user.enrolled ? (
        <MemberButton intent="reset_2fa" user={user} label={t("users.reset2fa", { email })} />
      ) : null}
      {!user.enrolled && !user.disabled ? <ReinviteButton user={user} /> : null}
      {user.activeSessions > 0 ? (
        <MemberButton intent="revoke_sessions" user={user} label={t("users.revoke", { email })} />
      ) : null}
    </div>
  );
}

export function StaffUsersTable({ users, me, roles }: { users: UserRow[]; me: string; roles: StaffRole[] }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="users-table-title">
      <h2 id="users-table-title">{t("users.members")}</h2>
      <ScrollTable labelledBy="users-table-title">
        <table className="staff-table">
          <thead>
            <tr>
              <th scope="col">{t("users.email")}</th>
              <th scope="col">{t("users.name")}</th>
              <th scope="col">{t("users.role")}</th>
              <th scope="col">{t("users.state")}</th>
              <th scope="col">{t("users.sessions")}</th>
              <th scope="col">{t("users.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-email={u.email}>
                <td>{u.email}</td>
                <td>{u.displayName}</td>
                <td>{t(`roles.${u.role}`)}</td>
                <td>{stateLabel(u, t)}</td>
                <td>{u.activeSessions}</td>
                <td>
                  <MemberActions user={u} roles={roles} isMe={u.id === me} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </section>
  );
}

export function InviteForm({
  form: [form, fields],
  roles,
}: {
  form: ReturnType<typeof useForm<InviteFields>>;
  roles: StaffRole[];
}) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">{t("users.inviteTitle")}</h2>
      <p className="hint">{t("users.inviteIntro")}</p>
      <Form method="post" {...getFormProps(form)} noValidate>
        <input type="hidden" name="intent" value="invite" />
        <StaffErrors id={form.errorId} errors={form.errors} />
        <StaffInput field={fields.email} label={t("users.email")} type="email" autoComplete="off" />
        <StaffInput
          field={fields.name}
          label={t("users.name")}
          hint={t("users.nameHint")}
          autoComplete="off"
        />
        <StaffSelect
          field={fields.role}
          label={t("users.role")}
          placeholder={t("users.chooseRole")}
          options={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
        />
        <StaffSelect
          field={fields.language}
          label={t("users.emailLanguage")}
          placeholder={t("users.emailLanguageDefault")}
          options={INVITE_LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
        />
        <button type="submit" className="button primary">
          {t("users.invite")}
        </button>
      </Form>
    </section>
  );
}

export function InvitedNotice({
  invited,
}: {
  invited: { email: string; url: string; expiresAt: string; reissued: boolean; emailing: boolean };
}) {
  const { t } = useTranslation("staff");
  return (
    <div className="notice new-key" role="status">
      <p>
        <strong>
          {t(invited.reissued ? "users.reinvitedTitle" : "users.invitedTitle", { email: invited.email })}
        </strong>
      </p>
      <p>
        {invited.emailing
          ? t("users.invitedEmailed", { email: invited.email, when: invited.expiresAt })
          : t("users.invitedBody", { when: invited.expiresAt })}
      </p>
      <p>
        <code className="api-key" data-invite-link>
          {invited.url}
        </code>
      </p>
    </div>
  );
}
