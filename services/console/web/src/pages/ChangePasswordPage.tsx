import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { call, consoleApi } from "../api/client";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { emptyErrors, mapFieldErrors, type FormErrors } from "../lib/formErrors";

const FIELDS = ["current_password", "new_password", "confirm_password"] as const;
type PasswordField = (typeof FIELDS)[number];
const LABELS: Record<PasswordField, string> = {
  current_password: "Current password",
  new_password: "New password",
  confirm_password: "New password again",
};
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 128;

export default function ChangePasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FormErrors<PasswordField>>(emptyErrors);
  const [done, setDone] = useState(false);

  const change = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      call(consoleApi.PUT("/console/api/v1/session/password", { body })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    },
    onError: (error) => setErrors(mapFieldErrors(error, FIELDS)),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    if (next !== confirm) {
      setErrors({ fields: { confirm_password: ["The two new passwords are not the same."] }, form: [] });
      return;
    }
    setErrors(emptyErrors());
    change.mutate({ current_password: current, new_password: next });
  };

  const invalid = FIELDS.filter((f) => (errors.fields[f]?.length ?? 0) > 0).map((f) => ({
    id: f,
    label: LABELS[f],
  }));

  return (
    <section className="page page--narrow">
      <PageHeading title="Change password" />
      <p>Changing your password signs you out everywhere else; this browser stays signed in.</p>
      {done ? (
        <p className="banner banner--success" role="status">
          Your password has been changed.
        </p>
      ) : null}
      <ErrorSummary title="The password was not changed" messages={errors.form} fields={invalid} />
      <form onSubmit={submit} noValidate className="form">
        <TextField
          id="current_password"
          label={LABELS.current_password}
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
          errors={errors.fields.current_password}
          required
        />
        <TextField
          id="new_password"
          label={LABELS.new_password}
          type="password"
          autoComplete="new-password"
          hint={`${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`}
          value={next}
          onChange={setNext}
          errors={errors.fields.new_password}
          required
        />
        <TextField
          id="confirm_password"
          label={LABELS.confirm_password}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={setConfirm}
          errors={errors.fields.confirm_password}
          required
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}
