// The fields of a shift, with the reasons (the browser's or the API's) beside each and what
// saving it will change.

import type { FormEvent } from "react";
import { Link } from "react-router";
import { CheckboxField } from "../components/Choices";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import type { FormErrors } from "../lib/formErrors";
import { invalidFieldLinks } from "../lib/refusal";
import { SHIFT_EFFECT } from "./effects";
import { SHIFT_FIELDS, SHIFT_LABELS, SHIFT_LIMITS, lengthOf, type ShiftField, type ShiftFormValues } from "./shiftForm";
import { crossesMidnight, formatMinutes } from "./values";

interface Props {
  values: ShiftFormValues;
  onChange: (values: ShiftFormValues) => void;
  errors: FormErrors<ShiftField>;
  isNew: boolean;
  submitting: boolean;
  submitLabel: string;
  onSubmit: () => void;
  onCancel: () => void;
}

export const shiftFieldId = (field: ShiftField) => `shift-${field}`;

export function ShiftForm({ values, onChange, errors, isNew, submitting, submitLabel, onSubmit, onCancel }: Props) {
  const set =
    <K extends keyof ShiftFormValues>(field: K) =>
    (value: ShiftFormValues[K]) =>
      onChange({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  const length = lengthOf(values);
  const night = crossesMidnight(values.start_time, values.end_time);
  const minutes = (field: "grace_period_minutes" | "early_leave_grace_minutes" | "expected_duration_minutes", hint: string, min: number, max: number) => (
    <TextField
      id={shiftFieldId(field)}
      label={SHIFT_LABELS[field]}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      value={values[field]}
      onChange={set(field)}
      errors={errors.fields[field]}
      hint={hint}
      required={field !== "expected_duration_minutes" || !isNew}
    />
  );
  return (
    <>
      <ErrorSummary
        title="The shift was not saved"
        messages={errors.form}
        fields={invalidFieldLinks(errors, SHIFT_FIELDS, SHIFT_LABELS, shiftFieldId)}
      />
      <p className="field__hint">
        Fields marked <span aria-hidden="true">*</span>
        <span className="visually-hidden">with a star</span> are required.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <fieldset>
          <legend>The shift</legend>
          <div className="form form--two">
            <TextField
              id={shiftFieldId("name")}
              label={SHIFT_LABELS.name}
              value={values.name}
              onChange={set("name")}
              errors={errors.fields.name}
              maxLength={SHIFT_LIMITS.name}
              hint="Unique, e.g. Day or Night."
              autoComplete="off"
              required
            />
            <TextField
              id={shiftFieldId("organization")}
              label={SHIFT_LABELS.organization}
              value={values.organization}
              onChange={set("organization")}
              errors={errors.fields.organization}
              maxLength={SHIFT_LIMITS.organization}
              hint="The people of this organisation (as written on their record) work this shift. Empty: everyone whose organisation has no shift of its own."
              autoComplete="off"
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Hours</legend>
          <div className="form form--two">
            <TextField
              id={shiftFieldId("start_time")}
              label={SHIFT_LABELS.start_time}
              type="time"
              value={values.start_time}
              onChange={set("start_time")}
              errors={errors.fields.start_time}
              hint="In the site's time zone."
              required
            />
            <TextField
              id={shiftFieldId("end_time")}
              label={SHIFT_LABELS.end_time}
              type="time"
              value={values.end_time}
              onChange={set("end_time")}
              errors={errors.fields.end_time}
              hint="At or before the start: the shift ends the next day."
              required
            />
          </div>
          <p className="field__hint form-note" aria-live="polite">
            {length === undefined
              ? "The length shows once both times are valid."
              : `Length: ${formatMinutes(length)}${night ? ", crossing midnight (the day is the one it starts on)" : ""}.`}
          </p>
          <div className="form form--two">
            {minutes("grace_period_minutes", `0 to ${SHIFT_LIMITS.grace}, and no longer than the shift.`, 0, SHIFT_LIMITS.grace)}
            {minutes("early_leave_grace_minutes", `0 to ${SHIFT_LIMITS.grace}, and no longer than the shift.`, 0, SHIFT_LIMITS.grace)}
            {minutes(
              "expected_duration_minutes",
              isNew
                ? `1 to ${SHIFT_LIMITS.duration}. Empty: the shift's length${length === undefined ? "" : ` (${length} min)`}.`
                : `1 to ${SHIFT_LIMITS.duration}.`,
              1,
              SHIFT_LIMITS.duration,
            )}
          </div>
        </fieldset>
        <CheckboxField
          id={shiftFieldId("is_active")}
          label={SHIFT_LABELS.is_active}
          checked={values.is_active}
          onChange={set("is_active")}
          errors={errors.fields.is_active}
          hint="Only active shifts are used."
        />
        <div className="effect">
          <h2 className="effect__title">What saving changes</h2>
          <p>{SHIFT_EFFECT.grace}</p>
          <p>{SHIFT_EFFECT.when}</p>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? "Saving…" : submitLabel}
          </button>
          <Link to="/policies/shifts" className="button" onClick={onCancel}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
