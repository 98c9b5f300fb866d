import type { ReactNode } from "react";

interface BaseProps {
  id: string;
  label: string;
  /** The reasons the API (or the form) gave against the value. */
  errors?: string[] | undefined;
  hint?: ReactNode;
  required?: boolean;
}

function describedBy(id: string, hint: ReactNode, errors: string[] | undefined): string | undefined {
  const ids = [];
  if (hint !== undefined && hint !== null) ids.push(`${id}-hint`);
  if (errors !== undefined && errors.length > 0) ids.push(`${id}-error`);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

function FieldFrame(props: BaseProps & { children: ReactNode }) {
  const { id, label, errors, hint, required, children } = props;
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <div className={invalid ? "field field--invalid" : "field"}>
      <label htmlFor={id}>
        {label}
        {required === true ? (
          <span className="field__required" aria-hidden="true">
            {" "}
            *
          </span>
        ) : null}
      </label>
      {hint !== undefined && hint !== null ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {children}
      {invalid ? (
        <ul id={`${id}-error`} className="field__errors">
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

interface TextFieldProps extends BaseProps {
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "email" | "tel" | "password" | "search" | "date" | "time" | "datetime-local" | "number";
  autoComplete?: string;
  maxLength?: number;
  minLength?: number;
  inputMode?: "text" | "email" | "tel" | "numeric" | "decimal";
  /** For number, date and time inputs. */
  min?: number | string;
  max?: number | string;
  step?: number | string;
  autoFocus?: boolean;
  disabled?: boolean;
}

export function TextField(props: TextFieldProps) {
  const { id, value, onChange, type = "text", errors, hint, required } = props;
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <FieldFrame {...props}>
      <input
        id={id}
        name={id}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={props.autoComplete}
        maxLength={props.maxLength}
        minLength={props.minLength}
        min={props.min}
        max={props.max}
        step={props.step}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
        disabled={props.disabled}
        required={required}
        aria-required={required}
        aria-invalid={invalid}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </FieldFrame>
  );
}

interface SelectFieldProps<V extends string> extends BaseProps {
  value: V;
  onChange: (value: V) => void;
  options: readonly { value: V; label: string }[];
  disabled?: boolean;
}

export function SelectField<V extends string>(props: SelectFieldProps<V>) {
  const { id, value, onChange, options, errors, hint, required } = props;
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <FieldFrame {...props}>
      <select
        id={id}
        name={id}
        value={value}
        onChange={(e) => {
          const chosen = options.find((o) => o.value === e.target.value);
          if (chosen !== undefined) onChange(chosen.value);
        }}
        disabled={props.disabled}
        required={required}
        aria-invalid={invalid}
        aria-describedby={describedBy(id, hint, errors)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

interface TextAreaFieldProps extends BaseProps {
  value: string;
  onChange: (value: string) => void;
  maxLength?: number;
  rows?: number;
}

export function TextAreaField(props: TextAreaFieldProps) {
  const { id, value, onChange, errors, hint, required } = props;
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <FieldFrame {...props}>
      <textarea
        id={id}
        name={id}
        value={value}
        rows={props.rows ?? 3}
        onChange={(e) => onChange(e.target.value)}
        maxLength={props.maxLength}
        required={required}
        aria-invalid={invalid}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </FieldFrame>
  );
}
