// A refusal of an API as the policy and operator pages show it: the service's reason with its
// code (so an operator can tell support exactly what was said), and a form's field reasons
// beside their fields. Builds on errors.ts and formErrors.ts, which the other pages use as they are.

import { ApiError, describeError, sentence } from "./errors";
import { mapFieldErrors, type FormErrors } from "./formErrors";

/** "The reason. (code)" for a refusal of an API; the plain description for anything else. */
export function describeRefusal(error: unknown): string {
  if (error instanceof ApiError) return `${sentence(error.message)} (${error.code})`;
  return describeError(error);
}

/**
 * A form's errors from a refusal: each field's reasons beside it (or beside the field a
 * whole-request code such as `session_name_taken` is about), and, above the form, the
 * refusal itself with its code, so the summary always says what the service answered.
 */
export function mapRefusal<F extends string>(
  error: unknown,
  fields: readonly F[],
  conflicts: Partial<Record<string, F>> = {},
): FormErrors<F> {
  const mapped = mapFieldErrors(error, fields, conflicts);
  if (!(error instanceof ApiError)) return mapped;
  const plain = sentence(error.message);
  // mapFieldErrors adds the plain message when nothing else explains the refusal: replaced
  // by the same message with its code, or added in front when the fields carry the reasons.
  const others = mapped.form.filter((m) => m !== plain);
  return { fields: mapped.fields, form: [describeRefusal(error), ...others] };
}

/**
 * Errors found in the browser, before anything is sent, in the same shape: the API's own
 * reasons replace them if it refuses anyway.
 */
export function localErrors<F extends string>(fields: Partial<Record<F, string[]>>): FormErrors<F> {
  const kept: Partial<Record<F, string[]>> = {};
  for (const [field, reasons] of Object.entries(fields) as [F, string[] | undefined][]) {
    if (reasons !== undefined && reasons.length > 0) kept[field] = reasons;
  }
  return { fields: kept, form: [] };
}

/** The error summary's links: each field with reasons, in the form's order. */
export function invalidFieldLinks<F extends string>(
  errors: FormErrors<F>,
  fields: readonly F[],
  labels: Record<F, string>,
  idOf: (field: F) => string,
): { id: string; label: string }[] {
  return fields
    .filter((f) => (errors.fields[f]?.length ?? 0) > 0)
    .map((f) => ({ id: idOf(f), label: labels[f] }));
}
