// Adding an operator (/operators/new): email, name, role and a first password, checked in the
// browser as the console checks them; the console's own reasons beside the fields if it refuses.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { roleLabel } from "../auth/session";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { invalidFieldLinks, mapRefusal } from "../lib/refusal";
import { ROLES, ROLE_DESCRIPTIONS, createOperator, operatorKeys } from "../operators/api";
import {
  EMAIL_MAX,
  EMPTY_OPERATOR,
  NAME_MAX,
  OPERATOR_CONFLICTS,
  OPERATOR_FIELDS,
  OPERATOR_LABELS,
  PASSWORD_MAX,
  PASSWORD_MIN,
  checkOperator,
  toCreateOperator,
  type OperatorField,
  type OperatorFormValues,
} from "../operators/operatorForm";

const fieldId = (field: OperatorField) => `operator-${field}`;

export default function OperatorCreatePage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Not a draft kept in memory: it holds a password.
  const [values, setValues] = useState<OperatorFormValues>(EMPTY_OPERATOR);
  const [errors, setErrors] = useState<FormErrors<OperatorField>>(emptyErrors);
  const create = useMutation({
    mutationFn: createOperator,
    onSuccess: (operator) => {
      void queryClient.invalidateQueries({ queryKey: operatorKeys.all });
      void navigate(`/operators/${operator.id}`, {
        state: {
          notice: `${operator.display_name} has been added as ${roleLabel(operator.role)}. Give them their first password in person; they should change it after signing in.`,
        },
      });
    },
    onError: (error) => {
      setValues((v) => ({ ...v, password: "", confirm_password: "" }));
      setErrors(mapRefusal(error, OPERATOR_FIELDS, OPERATOR_CONFLICTS));
    },
  });
  const set =
    <K extends keyof OperatorFormValues>(field: K) =>
    (value: OperatorFormValues[K]) =>
      setValues({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = checkOperator(values);
    if (Object.keys(check.fields).length > 0) {
      setErrors(check);
      return;
    }
    setErrors(emptyErrors());
    create.mutate(toCreateOperator(values));
  };
  return (
    <section className="page page--narrow">
      <PageHeading title="Add an operator" />
      <ErrorSummary
        title="The operator was not added"
        messages={errors.form}
        fields={invalidFieldLinks(errors, OPERATOR_FIELDS, OPERATOR_LABELS, fieldId)}
      />
      <form onSubmit={submit} noValidate className="form">
        <TextField
          id={fieldId("email")}
          label={OPERATOR_LABELS.email}
          type="email"
          inputMode="email"
          autoComplete="off"
          value={values.email}
          onChange={set("email")}
          errors={errors.fields.email}
          maxLength={EMAIL_MAX}
          hint="What they sign in with; case does not matter."
          required
        />
        <TextField
          id={fieldId("display_name")}
          label={OPERATOR_LABELS.display_name}
          autoComplete="off"
          value={values.display_name}
          onChange={set("display_name")}
          errors={errors.fields.display_name}
          maxLength={NAME_MAX}
          hint="Shown in the header and the audit."
          required
        />
        <SelectField
          id={fieldId("role")}
          label={OPERATOR_LABELS.role}
          value={values.role}
          onChange={set("role")}
          errors={errors.fields.role}
          options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
          hint={ROLE_DESCRIPTIONS[values.role]}
          required
        />
        <TextField
          id={fieldId("password")}
          label={OPERATOR_LABELS.password}
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={set("password")}
          errors={errors.fields.password}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters. They should change it after signing in.`}
          required
        />
        <TextField
          id={fieldId("confirm_password")}
          label={OPERATOR_LABELS.confirm_password}
          type="password"
          autoComplete="new-password"
          value={values.confirm_password}
          onChange={set("confirm_password")}
          errors={errors.fields.confirm_password}
          required
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add the operator"}
          </button>
          <Link to="/operators" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
