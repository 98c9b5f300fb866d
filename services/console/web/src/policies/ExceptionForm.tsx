// The fields of a holiday, a person's leave or a special event, with the reasons (the
// browser's or the API's) beside each and what saving it will change.

import type { FormEvent } from "react";
import { Link } from "react-router";
import { CheckboxField } from "../components/Choices";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextAreaField, TextField } from "../components/Field";
import type { FormErrors } from "../lib/formErrors";
import { invalidFieldLinks } from "../lib/refusal";
import { EXCEPTION_TYPES } from "./api";
import { EXCEPTION_EFFECT } from "./effects";
import {
  EXCEPTION_FIELDS,
  EXCEPTION_LABELS,
  ORGANIZATION_MAX,
  REASON_MAX,
  TYPE_LABELS,
  withType,
  type Audience,
  type ExceptionField,
  type ExceptionFormValues,
} from "./exceptionForm";
import { PersonPicker } from "./PersonPicker";

interface Props {
  values: ExceptionFormValues;
  onChange: (values: ExceptionFormValues) => void;
  errors: FormErrors<ExceptionField>;
  /** Approved or rejected: only the reason may change. */
  decided: boolean;
  submitting: boolean;
  submitLabel: string;
  onSubmit: () => void;
  onCancel: () => void;
}

export const exceptionFieldId = (field: ExceptionField) => `exception-${field}`;

export function ExceptionForm({ values, onChange, errors, decided, submitting, submitLabel, onSubmit, onCancel }: Props) {
  const set =
    <K extends keyof ExceptionFormValues>(field: K) =>
    (value: ExceptionFormValues[K]) =>
      onChange({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  const type = values.exception_type;
  return (
    <>
      <ErrorSummary
        title="It was not saved"
        messages={errors.form}
        fields={invalidFieldLinks(errors, EXCEPTION_FIELDS, EXCEPTION_LABELS, exceptionFieldId)}
      />
      {decided ? <p className="banner banner--info">{EXCEPTION_EFFECT.decided}</p> : null}
      <p className="field__hint">
        Fields marked <span aria-hidden="true">*</span>
        <span className="visually-hidden">with a star</span> are required.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <div className="form form--two">
          <SelectField
            id={exceptionFieldId("exception_type")}
            label={EXCEPTION_LABELS.exception_type}
            value={type}
            onChange={(next) => onChange(withType(values, next))}
            options={EXCEPTION_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
            errors={errors.fields.exception_type}
            disabled={decided}
            hint={
              type === "holiday"
                ? "A day off for everyone, or for one organisation's persons."
                : type === "leave"
                  ? "A day off for one person, once approved."
                  : "A notable day that excuses nobody."
            }
            required
          />
          <TextField
            id={exceptionFieldId("exception_date")}
            label={EXCEPTION_LABELS.exception_date}
            type="date"
            value={values.exception_date}
            onChange={set("exception_date")}
            errors={errors.fields.exception_date}
            disabled={decided}
            required
          />
        </div>
        {type !== "leave" ? (
          <SelectField<Audience>
            id="exception-audience"
            label="For"
            value={values.audience}
            onChange={(audience) =>
              onChange({
                ...values,
                audience,
                person_id: audience === "person" ? values.person_id : "",
                organization: audience === "organization" ? values.organization : "",
              })
            }
            options={[
              { value: "everyone", label: "Everyone" },
              { value: "organization", label: "One organisation" },
              ...(type === "special_event" ? [{ value: "person" as const, label: "One person" }] : []),
            ]}
            hint={type === "holiday" ? "A holiday cannot be given to one person: that is leave." : undefined}
            disabled={decided}
          />
        ) : null}
        {values.audience === "organization" ? (
          <TextField
            id={exceptionFieldId("organization")}
            label={EXCEPTION_LABELS.organization}
            value={values.organization}
            onChange={set("organization")}
            errors={errors.fields.organization}
            maxLength={ORGANIZATION_MAX}
            hint="As the person directory names it: it applies to the persons of this organisation when their days are decided."
            disabled={decided}
            required
          />
        ) : null}
        {values.audience === "person" ? (
          <PersonPicker
            id={exceptionFieldId("person_id")}
            label={EXCEPTION_LABELS.person_id}
            personId={values.person_id}
            onChange={set("person_id")}
            errors={errors.fields.person_id}
            disabled={decided}
            required
          />
        ) : errors.fields.person_id !== undefined ? (
          // A reason about the person when the form shows none (the API's, for everyone).
          <ul id={exceptionFieldId("person_id")} tabIndex={-1} className="field__errors">
            {errors.fields.person_id.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
        <TextAreaField
          id={exceptionFieldId("reason")}
          label={EXCEPTION_LABELS.reason}
          value={values.reason}
          onChange={set("reason")}
          errors={errors.fields.reason}
          maxLength={REASON_MAX}
          hint={`Up to ${REASON_MAX} characters, e.g. “Christmas Day” or “Family wedding”.`}
          required
        />
        <CheckboxField
          id={exceptionFieldId("requires_approval")}
          label={EXCEPTION_LABELS.requires_approval}
          checked={type === "leave" ? true : values.requires_approval}
          onChange={set("requires_approval")}
          errors={errors.fields.requires_approval}
          disabled={decided || type === "leave"}
          hint={
            type === "leave"
              ? "Leave always needs an approval: it is created pending, and counts once approved."
              : "If ticked, it is created pending and counts only once approved."
          }
        />
        <div className="effect">
          <h2 className="effect__title">What saving changes</h2>
          <p>{EXCEPTION_EFFECT.now}</p>
          <p>{EXCEPTION_EFFECT.kinds}</p>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? "Saving…" : submitLabel}
          </button>
          <Link to="/policies/exceptions" className="button" onClick={onCancel}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
