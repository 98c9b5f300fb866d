// Checkboxes with the form's conventions (label, hint, the reasons beside them): a single
// yes/no, and a group of options (e.g. working days) in a fieldset named by its legend.

import type { ReactNode } from "react";
import "../styles/choices.css";

interface CheckboxProps {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
  disabled?: boolean;
}

export function CheckboxField({ id, label, checked, onChange, hint, errors, disabled }: CheckboxProps) {
  const invalid = errors !== undefined && errors.length > 0;
  const described = [hint !== undefined ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter((x) => x !== null);
  return (
    <div className={invalid ? "check field--invalid" : "check"}>
      <div className="check__line">
        <input
          id={id}
          name={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChange(e.target.checked)}
          aria-invalid={invalid}
          aria-describedby={described.length > 0 ? described.join(" ") : undefined}
        />
        <label htmlFor={id}>{label}</label>
      </div>
      {hint !== undefined ? (
        <p id={`${id}-hint`} className="field__hint check__hint">
          {hint}
        </p>
      ) : null}
      {invalid ? (
        <ul id={`${id}-error`} className="field__errors check__hint">
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

interface GroupProps<V extends string | number> {
  /** The fieldset's id: the error summary links to it. */
  id: string;
  legend: string;
  options: readonly { value: V; label: string }[];
  chosen: readonly V[];
  onChange: (chosen: V[]) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
  required?: boolean;
  disabled?: boolean;
}

/** A set of checkboxes; what is chosen keeps the options' order. */
export function CheckboxGroup<V extends string | number>(props: GroupProps<V>) {
  const { id, legend, options, chosen, onChange, hint, errors, required, disabled } = props;
  const invalid = errors !== undefined && errors.length > 0;
  const described = [hint !== undefined ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter((x) => x !== null);
  const toggle = (value: V, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(value);
    else next.delete(value);
    onChange(options.map((o) => o.value).filter((v) => next.has(v)));
  };
  return (
    <fieldset
      id={id}
      tabIndex={-1}
      className={invalid ? "choices field--invalid" : "choices"}
      aria-describedby={described.length > 0 ? described.join(" ") : undefined}
      aria-invalid={invalid}
      disabled={disabled}
    >
      <legend>
        {legend}
        {required === true ? (
          <span className="field__required" aria-hidden="true">
            {" "}
            *
          </span>
        ) : null}
      </legend>
      {hint !== undefined ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className="choices__options">
        {options.map((o) => (
          <div className="check__line" key={String(o.value)}>
            <input
              id={`${id}-${o.value}`}
              type="checkbox"
              checked={chosen.includes(o.value)}
              onChange={(e) => toggle(o.value, e.target.checked)}
            />
            <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
          </div>
        ))}
      </div>
      {invalid ? (
        <ul id={`${id}-error`} className="field__errors">
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
