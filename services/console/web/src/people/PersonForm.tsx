import type { FormEvent } from "react";
import { Link } from "react-router";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import type { FormErrors } from "../lib/formErrors";
import { PERSON_STATUSES, PERSON_TYPES } from "../lib/pagination";
import { STATUS_LABELS, TYPE_LABELS } from "./api";
import { PERSON_FIELDS, PERSON_LABELS, type PersonField, type PersonFormValues } from "./personForm";

interface Props {
  values: PersonFormValues;
  onChange: (values: PersonFormValues) => void;
  errors: FormErrors<PersonField>;
  onSubmit: () => void;
  submitting: boolean;
  submitLabel: string;
  cancelTo: string;
  onCancel: () => void;
}

/** Every field of person-api's create and update requests, each with the API's reasons beside it. */
export function PersonForm({ values, onChange, errors, onSubmit, submitting, submitLabel, cancelTo, onCancel }: Props) {
  const set = <K extends PersonField>(field: K) => (value: PersonFormValues[K]) => onChange({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  const invalid = PERSON_FIELDS.filter((f) => (errors.fields[f]?.length ?? 0) > 0).map((f) => ({
    id: `person-${f}`,
    label: PERSON_LABELS[f],
  }));
  const text = (field: Exclude<PersonField, "person_type" | "status">, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField
      id={`person-${field}`}
      label={PERSON_LABELS[field]}
      value={values[field]}
      onChange={set(field)}
      errors={errors.fields[field]}
      {...extra}
    />
  );
  return (
    <>
      <ErrorSummary messages={errors.form} fields={invalid} />
      <p className="field__hint">Fields marked <span aria-hidden="true">*</span><span className="visually-hidden">with a star</span> are required.</p>
      <form onSubmit={submit} noValidate className="form">
        <fieldset>
          <legend>Name and contact</legend>
          <div className="form form--two">
            {text("first_name", { required: true, maxLength: 100, autoComplete: "off" })}
            {text("last_name", { required: true, maxLength: 100, autoComplete: "off" })}
            {text("email", { required: true, type: "email", maxLength: 254, autoComplete: "off", inputMode: "email" })}
            {text("phone", {
              type: "tel",
              inputMode: "tel",
              autoComplete: "off",
              hint: "International format, e.g. +44 20 7946 0958.",
            })}
          </div>
        </fieldset>
        <fieldset>
          <legend>Role in the organisation</legend>
          <div className="form form--two">
            <SelectField
              id="person-person_type"
              label={PERSON_LABELS.person_type}
              value={values.person_type}
              onChange={set("person_type")}
              errors={errors.fields.person_type}
              options={PERSON_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))}
            />
            <SelectField
              id="person-status"
              label={PERSON_LABELS.status}
              value={values.status}
              onChange={set("status")}
              errors={errors.fields.status}
              hint="Inactive and archived people are not recognised."
              options={PERSON_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] ?? s }))}
            />
            {text("department", { maxLength: 100 })}
            {text("organization", { maxLength: 200 })}
            {text("id_number", { maxLength: 64, hint: "E.g. an employee number; unique." })}
            {text("id_type", { maxLength: 50, hint: "What the ID number is, e.g. employee_id." })}
          </div>
        </fieldset>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? "Saving…" : submitLabel}
          </button>
          <Link to={cancelTo} className="button" onClick={onCancel}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
