// Maps an API's per-field problems (`error.details`) to the fields of a form.

import { ApiError, type FieldIssue, sentence } from "./errors";

export interface FormErrors<F extends string> {
  /** The reasons for each field of the form, in the order the API gave them. */
  fields: Partial<Record<F, string[]>>;
  /** What belongs to no field of the form (a field the form does not show, or the whole request). */
  form: string[];
}

/**
 * The form field an issue is about: the issue's `field`, or the part before the first `.`
 * or `[` of a nested path (`custom_fields.badge` → `custom_fields`), when the form has it.
 */
function fieldOf<F extends string>(issue: FieldIssue, fields: readonly F[]): F | undefined {
  const known = (name: string): F | undefined => fields.find((f) => f === name);
  return known(issue.field) ?? known(issue.field.split(/[.[]/, 1)[0] ?? "");
}

/**
 * Splits an issue list between the form's fields and the form itself. `conflicts` maps the
 * codes of whole-request errors (a 409 such as `email_taken`) to the field they are about.
 */
export function mapFieldErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
  conflicts: Partial<Record<string, F>> = {},
): FormErrors<F> {
  const result: FormErrors<F> = { fields: {}, form: [] };
  if (!(error instanceof ApiError)) {
    if (error !== undefined && error !== null) {
      result.form.push(error instanceof Error ? sentence(error.message) : "Something went wrong.");
    }
    return result;
  }
  const add = (field: F, message: string) => {
    const list = result.fields[field] ?? [];
    list.push(message);
    result.fields[field] = list;
  };
  const conflictField = conflicts[error.code];
  if (conflictField !== undefined) {
    add(conflictField, sentence(error.message));
  }
  for (const issue of error.details) {
    const field = fieldOf(issue, fields);
    if (field === undefined) {
      result.form.push(sentence(`${issue.field}: ${issue.message}`));
    } else {
      add(field, sentence(issue.message));
    }
  }
  if (conflictField === undefined && error.details.length === 0) {
    result.form.push(sentence(error.message));
  }
  return result;
}

/** Whether there is anything to show. */
export function hasErrors<F extends string>(errors: FormErrors<F>): boolean {
  return errors.form.length > 0 || Object.keys(errors.fields).length > 0;
}

export function emptyErrors<F extends string>(): FormErrors<F> {
  return { fields: {}, form: [] };
}
