// The metadata form: address and emergency contact as text fields, preferences and custom
// fields as rows of name and value (added and removed freely), each with its reasons beside
// it: the API's after a save, the browser's (a nameless value, a name used twice, JSON that
// does not parse) before one.

import { useEffect, useRef, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextAreaField, TextField } from "../components/Field";
import type { FormErrors } from "../lib/formErrors";
import {
  MAX_LENGTHS,
  METADATA_LABELS,
  ROW_NOUNS,
  fieldId,
  invalidFields,
  newRow,
  rowInputId,
  type KeyValueRow,
  type MetadataField,
  type MetadataFormValues,
  type ObjectField,
  type RowErrors,
  type RowKind,
} from "./metadataForm";
import "../styles/metadata.css";

interface Props {
  values: MetadataFormValues;
  onChange: (values: MetadataFormValues) => void;
  errors: FormErrors<MetadataField>;
  rowErrors: RowErrors;
  onSubmit: () => void;
  submitting: boolean;
  cancelTo: string;
  onCancel: () => void;
}

export function MetadataForm({ values, onChange, errors, rowErrors, onSubmit, submitting, cancelTo, onCancel }: Props) {
  const set = <K extends keyof MetadataFormValues>(field: K) => (value: MetadataFormValues[K]) => onChange({ ...values, [field]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <>
      <ErrorSummary messages={errors.form} fields={invalidFields(values, errors, rowErrors)} />
      <form onSubmit={submit} noValidate className="form" data-testid="metadata-form">
        <fieldset>
          <legend>Address and emergency contact</legend>
          <TextAreaField
            id={fieldId("address")}
            label={METADATA_LABELS.address}
            value={values.address}
            onChange={set("address")}
            errors={errors.fields.address}
            maxLength={MAX_LENGTHS.address}
            rows={3}
          />
          <div className="form form--two">
            <TextField
              id={fieldId("emergency_contact")}
              label={METADATA_LABELS.emergency_contact}
              value={values.emergency_contact}
              onChange={set("emergency_contact")}
              errors={errors.fields.emergency_contact}
              maxLength={MAX_LENGTHS.emergency_contact}
              autoComplete="off"
              hint="Who to call, e.g. “Sam Lovelace (partner)”."
            />
            <TextField
              id={fieldId("emergency_phone")}
              label={METADATA_LABELS.emergency_phone}
              value={values.emergency_phone}
              onChange={set("emergency_phone")}
              errors={errors.fields.emergency_phone}
              type="tel"
              inputMode="tel"
              autoComplete="off"
              hint="International format, e.g. +44 20 7946 0958."
            />
          </div>
        </fieldset>
        <KeyValueRows
          field="preferences"
          rows={values.preferences}
          onChange={set("preferences")}
          errors={errors.fields.preferences}
          rowErrors={rowErrors}
          hint="Settings kept for this person, e.g. language = en."
        />
        <KeyValueRows
          field="custom_fields"
          rows={values.custom_fields}
          onChange={set("custom_fields")}
          errors={errors.fields.custom_fields}
          rowErrors={rowErrors}
          hint="Anything else your organisation records, e.g. badge = B-1234."
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? "Saving…" : "Save details"}
          </button>
          <Link to={cancelTo} className="button" onClick={onCancel}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}

const KIND_OPTIONS: readonly { value: RowKind; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "json", label: "JSON value" },
];

interface RowsProps {
  field: ObjectField;
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  /** The API's reasons against the whole object (too large, ...). */
  errors: string[] | undefined;
  rowErrors: RowErrors;
  hint: string;
}

/** One JSON object of the metadata as rows: a name, the kind of value, the value. */
function KeyValueRows({ field, rows, onChange, errors, rowErrors, hint }: RowsProps) {
  const id = fieldId(field);
  const noun = ROW_NOUNS[field];
  const invalid = errors !== undefined && errors.length > 0;
  const addRef = useRef<HTMLButtonElement>(null);
  // After adding a row its name takes the focus; after removing one, the Add button does.
  const focusNext = useRef<string | "add" | null>(null);
  useEffect(() => {
    const target = focusNext.current;
    if (target === null) return;
    focusNext.current = null;
    if (target === "add") addRef.current?.focus();
    else document.getElementById(rowInputId(field, target, "key"))?.focus();
  }, [rows, field]);

  const update = (rowId: string, change: Partial<KeyValueRow>) => onChange(rows.map((r) => (r.id === rowId ? { ...r, ...change } : r)));
  const add = () => {
    const row = newRow();
    focusNext.current = row.id;
    onChange([...rows, row]);
  };
  const remove = (rowId: string) => {
    focusNext.current = "add";
    onChange(rows.filter((r) => r.id !== rowId));
  };

  return (
    <fieldset
      id={id}
      tabIndex={-1}
      className={invalid ? "kv kv--invalid" : "kv"}
      aria-describedby={invalid ? `${id}-hint ${id}-error` : `${id}-hint`}
      data-testid={`${id}-rows`}
    >
      <legend>{METADATA_LABELS[field]}</legend>
      <p id={`${id}-hint`} className="field__hint">
        {hint} A text value is kept as typed; a JSON value is a number, true or false, null, a list or an object, e.g. 42,
        true or ["a", "b"].
      </p>
      {invalid ? (
        <ul id={`${id}-error`} className="field__errors">
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
      {rows.length === 0 ? <p className="kv__empty">None yet.</p> : null}
      <ol className="kv__rows">
        {rows.map((row, index) => {
          const which = `${noun} ${index + 1}`;
          const problems = rowErrors[row.id];
          return (
            <li key={row.id} className="kv__row" data-testid="metadata-row">
              <TextField
                id={rowInputId(field, row.id, "key")}
                label={`Name of ${which}`}
                value={row.key}
                onChange={(key) => update(row.id, { key })}
                errors={problems?.key}
                autoComplete="off"
              />
              <SelectField
                id={rowInputId(field, row.id, "kind")}
                label={`Kind of ${which}`}
                value={row.kind}
                onChange={(kind) => update(row.id, { kind })}
                options={KIND_OPTIONS}
              />
              <TextField
                id={rowInputId(field, row.id, "value")}
                label={`Value of ${which}`}
                value={row.value}
                onChange={(value) => update(row.id, { value })}
                errors={problems?.value}
                autoComplete="off"
              />
              <button type="button" className="button button--quiet kv__remove" onClick={() => remove(row.id)}>
                Remove<span className="visually-hidden"> {which}</span>
              </button>
            </li>
          );
        })}
      </ol>
      <button ref={addRef} type="button" className="button" onClick={add}>
        Add a {noun}
      </button>
    </fieldset>
  );
}
