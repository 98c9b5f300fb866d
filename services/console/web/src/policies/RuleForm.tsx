// The fields of a rule, with the reasons (the browser's or the API's) beside each and what
// saving it will change.

import type { FormEvent } from "react";
import { Link } from "react-router";
import { CheckboxField, CheckboxGroup } from "../components/Choices";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import type { FormErrors } from "../lib/formErrors";
import { invalidFieldLinks } from "../lib/refusal";
import { RULE_EFFECT } from "./effects";
import { RULE_FIELDS, RULE_LABELS, type RuleField, type RuleFormValues } from "./ruleForm";
import { WEEKDAYS } from "./values";

interface Props {
  values: RuleFormValues;
  onChange: (values: RuleFormValues) => void;
  errors: FormErrors<RuleField>;
  /** Whether the rule as stored is the active one. */
  wasActive: boolean;
  submitting: boolean;
  submitLabel: string;
  onSubmit: () => void;
  onCancel: () => void;
}

export const ruleFieldId = (field: RuleField) => `rule-${field}`;

const DAY_OPTIONS = WEEKDAYS.map((label, value) => ({ value, label }));

export function RuleForm({ values, onChange, errors, wasActive, submitting, submitLabel, onSubmit, onCancel }: Props) {
  const set =
    <K extends keyof RuleFormValues>(field: K) =>
    (value: RuleFormValues[K]) =>
      onChange({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  const confidence = (field: "auto_check_in_threshold" | "manual_review_threshold", hint: string) => (
    <TextField
      id={ruleFieldId(field)}
      label={RULE_LABELS[field]}
      type="number"
      inputMode="decimal"
      min={0}
      max={1}
      step={0.01}
      value={values[field]}
      onChange={set(field)}
      errors={errors.fields[field]}
      hint={hint}
      required
    />
  );
  return (
    <>
      <ErrorSummary
        title="The rule was not saved"
        messages={errors.form}
        fields={invalidFieldLinks(errors, RULE_FIELDS, RULE_LABELS, ruleFieldId)}
      />
      <p className="field__hint">
        Fields marked <span aria-hidden="true">*</span>
        <span className="visually-hidden">with a star</span> are required.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <TextField
          id={ruleFieldId("name")}
          label={RULE_LABELS.name}
          value={values.name}
          onChange={set("name")}
          errors={errors.fields.name}
          maxLength={100}
          hint="Unique, e.g. Standard week."
          autoComplete="off"
          required
        />
        <CheckboxGroup
          id={ruleFieldId("working_days")}
          legend={RULE_LABELS.working_days}
          options={DAY_OPTIONS}
          chosen={values.working_days}
          onChange={set("working_days")}
          errors={errors.fields.working_days}
          hint="The days people are expected at work, for every shift. At least one."
          required
        />
        <fieldset>
          <legend>Hours of people without a shift</legend>
          <div className="form form--two">
            <TextField
              id={ruleFieldId("start_time")}
              label={RULE_LABELS.start_time}
              type="time"
              value={values.start_time}
              onChange={set("start_time")}
              errors={errors.fields.start_time}
              hint="In the site's time zone; no grace period."
              required
            />
            <TextField
              id={ruleFieldId("end_time")}
              label={RULE_LABELS.end_time}
              type="time"
              value={values.end_time}
              onChange={set("end_time")}
              errors={errors.fields.end_time}
              hint="At or before the start: the next day."
              required
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Recognition</legend>
          <div className="form form--two">
            {confidence("auto_check_in_threshold", "0 to 1. A face recognised at least this surely checks the person in on its own.")}
            {confidence("manual_review_threshold", "0 to 1, at most the automatic threshold. From here up to it, the face goes to review; below, it is ignored.")}
            <TextField
              id={ruleFieldId("min_presence_percentage")}
              label={RULE_LABELS.min_presence_percentage}
              type="number"
              inputMode="decimal"
              min={0}
              max={100}
              step="any"
              value={values.min_presence_percentage}
              onChange={set("min_presence_percentage")}
              errors={errors.fields.min_presence_percentage}
              hint={`0 to 100. ${RULE_EFFECT.presence}`}
              required
            />
          </div>
        </fieldset>
        <CheckboxField
          id={ruleFieldId("is_active")}
          label={RULE_LABELS.is_active}
          checked={values.is_active}
          onChange={set("is_active")}
          errors={errors.fields.is_active}
          hint={
            values.is_active
              ? wasActive
                ? "This is the site's active rule."
                : "Saving makes this the site's rule and deactivates the one in force now."
              : wasActive
                ? `Unticked, the site has no active rule. ${RULE_EFFECT.noneActive}`
                : "Kept for later: it changes nothing until made active."
          }
        />
        <div className="effect">
          <h2 className="effect__title">What saving changes</h2>
          <p>{values.is_active || wasActive ? RULE_EFFECT.when : "An inactive rule decides nothing."}</p>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? "Saving…" : submitLabel}
          </button>
          <Link to="/policies/rules" className="button" onClick={onCancel}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
