// One choice among a few, with the form's conventions: a fieldset named by its legend, a hint,
// the reasons beside it (linked from the error summary by the fieldset's id).

import type { ReactNode } from "react";

interface Props<V extends string> {
  id: string;
  legend: string;
  name: string;
  options: readonly { value: V; label: ReactNode }[];
  value: V | "";
  onChange: (value: V) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
  required?: boolean;
}

export function RadioGroup<V extends string>({ id, legend, name, options, value, onChange, hint, errors, required }: Props<V>) {
  const invalid = errors !== undefined && errors.length > 0;
  const described = [hint !== undefined ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter((x) => x !== null);
  return (
    <fieldset
      id={id}
      tabIndex={-1}
      className={invalid ? "radios field--invalid" : "radios"}
      aria-describedby={described.length > 0 ? described.join(" ") : undefined}
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
      {options.map((option) => (
        <div key={option.value} className="radios__option">
          <input
            type="radio"
            id={`${id}-${option.value}`}
            name={name}
            value={option.value}
            checked={value === option.value}
            onChange={() => onChange(option.value)}
            aria-invalid={invalid}
          />
          <label htmlFor={`${id}-${option.value}`}>{option.label}</label>
        </div>
      ))}
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
