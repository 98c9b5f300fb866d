// One operator (/operators/:operatorId), for an admin: their name and role, disabling and
// enabling them, a new password, ending their sessions, and their latest audit entries. Each
// change says what it does to their sessions, and each refusal its reason.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useLocation, useParams } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { describeRefusal, invalidFieldLinks, mapRefusal } from "../lib/refusal";
import {
  ROLES,
  ROLE_DESCRIPTIONS,
  auditQuery,
  operatorKeys,
  operatorQuery,
  resetPassword,
  revokeSessions,
  updateOperator,
  type OperatorAccount,
  type Role,
  type UpdateOperatorBody,
} from "../operators/api";
import { eventLabel, isFailure } from "../operators/auditView";
import { NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, checkReset } from "../operators/operatorForm";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import { Loaded } from "../policies/Loading";
import { Outcome } from "../policies/Outcome";
import { checkText } from "../policies/values";
import { formatDate } from "../people/api";

export default function OperatorPage() {
  const { operatorId = "" } = useParams();
  const operator = useQuery(operatorQuery(operatorId));
  return (
    <Loaded query={operator} noun="operator" title="Operator" back={{ to: "/operators", label: "Back to the operators" }}>
      {(loaded) => <Manage operator={loaded} />}
    </Loaded>
  );
}

function Manage({ operator }: { operator: OperatorAccount }) {
  const session = useSignedIn();
  const self = operator.id === session.operator.id;
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const [done, setDone] = useState<string>();
  return (
    <section className="page">
      <p>
        <Link to="/operators">← Operators</Link>
      </p>
      <PageHeading title={operator.display_name} />
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      <Outcome message={done} />
      <dl className="details">
        {(
          [
            ["Email", operator.email],
            ["Role", `${roleLabel(operator.role)}: ${ROLE_DESCRIPTIONS[operator.role]}`],
            [
              "Status",
              operator.disabled ? (
                <span className="badge badge--inactive">Disabled: cannot sign in</span>
              ) : (
                <span className="badge badge--active">Can sign in</span>
              ),
            ],
            ["Last signed in", operator.last_sign_in_at === null || operator.last_sign_in_at === undefined ? "Never" : formatDate(operator.last_sign_in_at)],
            ["Added", formatDate(operator.created_at)],
          ] as const
        ).map(([term, value]) => (
          <div key={term} className="details__row">
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <NameAndRole key={`${operator.display_name}:${operator.role}`} operator={operator} self={self} onDone={setDone} />
      <Access operator={operator} self={self} onDone={setDone} />
      <Password operator={operator} self={self} onDone={setDone} />
      <Sessions operator={operator} self={self} onDone={setDone} />
      <RecentActivity operator={operator} />
    </section>
  );
}

interface SectionProps {
  operator: OperatorAccount;
  self: boolean;
  onDone: (message: string) => void;
}

function useSaved() {
  const queryClient = useQueryClient();
  return (saved?: OperatorAccount) => {
    if (saved !== undefined) queryClient.setQueryData(operatorKeys.one(saved.id), saved);
    void queryClient.invalidateQueries({ queryKey: operatorKeys.list() });
    void queryClient.invalidateQueries({ queryKey: [...operatorKeys.all, "audit"] });
  };
}

const NAME_ROLE_FIELDS = ["display_name", "role"] as const;
type NameRoleField = (typeof NAME_ROLE_FIELDS)[number];
const NAME_ROLE_LABELS: Record<NameRoleField, string> = { display_name: "Name", role: "Role" };

function NameAndRole({ operator, self, onDone }: SectionProps) {
  const saved = useSaved();
  const [name, setName] = useState(operator.display_name);
  const [role, setRole] = useState<Role>(operator.role);
  const [errors, setErrors] = useState<FormErrors<NameRoleField>>(emptyErrors);
  const update = useMutation({
    mutationFn: (body: UpdateOperatorBody) => updateOperator(operator.id, body),
    onSuccess: (changed, body) => {
      saved(changed);
      onDone(
        body.role !== undefined && body.role !== null
          ? `${changed.display_name} is now ${roleLabel(changed.role)}. Their sessions have ended: they sign in again with the new role.`
          : `The name is now ${changed.display_name}.`,
      );
    },
    onError: (error) => setErrors(mapRefusal(error, NAME_ROLE_FIELDS)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: UpdateOperatorBody = {};
    const checked = checkText(name, NAME_MAX);
    if (!checked.ok) {
      setErrors({ fields: { display_name: [checked.reason] }, form: [] });
      return;
    }
    if (checked.value !== operator.display_name) body.display_name = checked.value;
    if (role !== operator.role) body.role = role;
    if (Object.keys(body).length === 0) {
      setErrors({ fields: {}, form: ["Nothing was changed."] });
      return;
    }
    setErrors(emptyErrors());
    update.mutate(body);
  };
  return (
    <section className="operator-section" aria-labelledby="name-role-title">
      <h2 id="name-role-title">Name and role</h2>
      <ErrorSummary
        title="Nothing was changed"
        messages={errors.form}
        fields={invalidFieldLinks(errors, NAME_ROLE_FIELDS, NAME_ROLE_LABELS, (f) => `operator-${f}`)}
      />
      <form onSubmit={submit} noValidate className="form">
        <div className="form form--two">
          <TextField
            id="operator-display_name"
            label="Name"
            value={name}
            onChange={setName}
            errors={errors.fields.display_name}
            maxLength={NAME_MAX}
            autoComplete="off"
            required
          />
          <SelectField
            id="operator-role"
            label="Role"
            value={role}
            onChange={setRole}
            errors={errors.fields.role}
            options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
            disabled={self}
            hint={
              self
                ? "You cannot give up your own admin role: the console could be left without one."
                : `${ROLE_DESCRIPTIONS[role]} A new role ends their sessions at once.`
            }
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save name and role"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Access({ operator, self, onDone }: SectionProps) {
  const saved = useSaved();
  const [confirming, setConfirming] = useState(false);
  const toggle = useMutation({
    mutationFn: (disabled: boolean) => updateOperator(operator.id, { disabled }),
    onSuccess: (changed) => {
      saved(changed);
      setConfirming(false);
      onDone(
        changed.disabled
          ? `${changed.display_name} is disabled: their sessions have ended and they cannot sign in.`
          : `${changed.display_name} is enabled: they can sign in again.`,
      );
    },
  });
  return (
    <section className="operator-section" aria-labelledby="access-title">
      <h2 id="access-title">Access</h2>
      {self ? (
        <p>You cannot disable your own account: the console could be left without an administrator.</p>
      ) : operator.disabled ? (
        <>
          <p>{operator.display_name} is disabled and cannot sign in. Enabling lets them sign in again with their password.</p>
          <button type="button" className="button" disabled={toggle.isPending} onClick={() => toggle.mutate(false)}>
            Enable {operator.display_name}
          </button>
        </>
      ) : (
        <>
          <p>Disabling signs {operator.display_name} out everywhere at once; they cannot sign in until enabled again.</p>
          <button
            type="button"
            className="button button--danger"
            onClick={() => {
              toggle.reset();
              setConfirming(true);
            }}
          >
            Disable {operator.display_name}…
          </button>
        </>
      )}
      {toggle.isError && !confirming ? (
        <p className="field__errors" role="alert">
          Not changed: {describeRefusal(toggle.error)}
        </p>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title={`Disable ${operator.display_name}?`}
        confirmLabel={`Disable ${operator.display_name}`}
        pendingLabel="Disabling…"
        pending={toggle.isPending}
        error={toggle.error}
        failure="Not disabled"
        onConfirm={() => toggle.mutate(true)}
        onClose={() => setConfirming(false)}
      >
        <p>Their sessions end at once and they cannot sign in until an administrator enables them again.</p>
      </ConfirmDialog>
    </section>
  );
}

const RESET_FIELDS = ["new_password", "confirm_password"] as const;
type ResetField = (typeof RESET_FIELDS)[number];
const RESET_LABELS: Record<ResetField, string> = { new_password: "New password", confirm_password: "New password again" };

function Password({ operator, self, onDone }: SectionProps) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FormErrors<ResetField>>(emptyErrors);
  const saved = useSaved();
  const reset = useMutation({
    mutationFn: (newPassword: string) => resetPassword(operator.id, newPassword),
    onSuccess: () => {
      setPassword("");
      setConfirm("");
      saved();
      onDone(
        self
          ? "Your password has been set; your other sessions have ended."
          : `${operator.display_name}'s password has been set and their sessions have ended. Give them the new password in person.`,
      );
    },
    onError: (error) => {
      setPassword("");
      setConfirm("");
      setErrors(mapRefusal(error, RESET_FIELDS));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = checkReset(password, confirm);
    if (Object.keys(check.fields).length > 0) {
      setErrors(check);
      return;
    }
    setErrors(emptyErrors());
    reset.mutate(password);
  };
  return (
    <section className="operator-section" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <p>For an operator who forgot theirs. Setting it ends every session of theirs{self ? " but this one" : ""}.</p>
      <ErrorSummary
        title="The password was not set"
        messages={errors.form}
        fields={invalidFieldLinks(errors, RESET_FIELDS, RESET_LABELS, (f) => `reset-${f}`)}
      />
      <form onSubmit={submit} noValidate className="form">
        <div className="form form--two">
          <TextField
            id="reset-new_password"
            label={RESET_LABELS.new_password}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            errors={errors.fields.new_password}
            hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`}
            required
          />
          <TextField
            id="reset-confirm_password"
            label={RESET_LABELS.confirm_password}
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={setConfirm}
            errors={errors.fields.confirm_password}
            required
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button" disabled={reset.isPending}>
            {reset.isPending ? "Setting…" : "Set the password"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Sessions({ operator, self, onDone }: SectionProps) {
  const saved = useSaved();
  const revoke = useMutation({
    mutationFn: () => revokeSessions(operator.id),
    onSuccess: (ended) => {
      saved();
      const count = `${ended.toLocaleString()} ${ended === 1 ? "session" : "sessions"}`;
      onDone(
        self
          ? `${count} ended; this one stays.`
          : `${count} of ${operator.display_name} ended. They can sign in again${operator.disabled ? " once enabled" : ""}.`,
      );
    },
  });
  return (
    <section className="operator-section" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p>
        {self
          ? "Signs you out of every other browser; this one stays signed in."
          : `Signs ${operator.display_name} out of every browser at once (a lost laptop, a departure). They can sign in again with their password.`}
      </p>
      <button type="button" className="button" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
        {revoke.isPending ? "Ending…" : self ? "Sign out my other sessions" : `Sign ${operator.display_name} out everywhere`}
      </button>
      {revoke.isError ? (
        <p className="field__errors" role="alert">
          No session was ended: {describeRefusal(revoke.error)}
        </p>
      ) : null}
    </section>
  );
}

function RecentActivity({ operator }: { operator: OperatorAccount }) {
  const audit = useQuery(
    auditQuery({ operatorId: operator.id, events: undefined, from: undefined, to: undefined, offset: 0, limit: 10 }),
  );
  const entries = audit.data?.entries;
  return (
    <section className="operator-section" aria-labelledby="activity-title">
      <h2 id="activity-title">Latest activity</h2>
      {audit.isError ? <p className="field__errors">The audit could not be loaded: {describeRefusal(audit.error)}</p> : null}
      {entries !== undefined && entries.length === 0 ? <p>Nothing yet.</p> : null}
      {entries !== undefined && entries.length > 0 ? (
        <ul className="activity">
          {entries.map((entry) => (
            <li key={entry.id}>
              <span className={isFailure(entry.event) ? "activity__event activity__event--failure" : "activity__event"}>
                {eventLabel(entry.event)}
              </span>{" "}
              <span className="muted">
                {formatDate(entry.occurred_at)}
                {entry.client_address !== null && entry.client_address !== undefined ? ` from ${entry.client_address}` : ""}
                {entry.detail !== null && entry.detail !== undefined ? ` · ${entry.detail}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <Link to={`/operators/audit?operator=${operator.id}`}>All of {operator.display_name}'s audit entries</Link>
      </p>
    </section>
  );
}
