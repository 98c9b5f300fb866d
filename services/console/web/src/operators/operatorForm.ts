// The operator forms: a new operator (email, name, role, first password) and a password
// reset, with the console's checks made in the browser the same way (OperatorEmail,
// DisplayName and NewPassword in services/console/src/operators.rs), and the request bodies.

import type { FormErrors } from "../lib/formErrors";
import { checkText } from "../policies/values";
import type { CreateOperatorBody, Role } from "./api";

export const OPERATOR_FIELDS = ["email", "display_name", "role", "password", "confirm_password"] as const;
export type OperatorField = (typeof OPERATOR_FIELDS)[number];

export const OPERATOR_LABELS: Record<OperatorField, string> = {
  email: "Email",
  display_name: "Name",
  role: "Role",
  password: "First password",
  confirm_password: "First password again",
};

export const EMAIL_MAX = 254;
export const NAME_MAX = 100;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export interface OperatorFormValues {
  email: string;
  display_name: string;
  role: Role;
  password: string;
  confirm_password: string;
}

export const EMPTY_OPERATOR: OperatorFormValues = {
  email: "",
  display_name: "",
  role: "viewer",
  password: "",
  confirm_password: "",
};

/**
 * The console's email check, as far as a browser can tell: one `@` between a local part and a
 * domain, no spaces, no display name (`Ada <ada@…>`) and no address literal (`a@[127.0.0.1]`).
 * A dotless domain (`admin@localhost`) is allowed. The console has the last word.
 */
export function checkEmail(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return "Must not be empty.";
  if ([...value].length > EMAIL_MAX) return `Must be at most ${EMAIL_MAX} characters.`;
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at <= 0 || local === "" || domain === "" || /[\s<>]/.test(value)) {
    return "Is not a valid email address.";
  }
  if (domain.startsWith("[") || domain.startsWith(".") || domain.endsWith(".") || domain.includes("..")) {
    return "Is not a valid email address.";
  }
  return undefined;
}

/** NewPassword: 12 to 128 characters, no NUL; length is all that counts. */
export function checkPassword(raw: string): string | undefined {
  const length = [...raw].length;
  if (length < PASSWORD_MIN) return `Must be at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Must be at most ${PASSWORD_MAX} characters.`;
  if (raw.includes("\0")) return "Must not contain NUL characters.";
  return undefined;
}

export function checkOperator(values: OperatorFormValues): FormErrors<OperatorField> {
  const fields: FormErrors<OperatorField>["fields"] = {};
  const email = checkEmail(values.email);
  if (email !== undefined) fields.email = [email];
  const name = checkText(values.display_name, NAME_MAX);
  if (!name.ok) fields.display_name = [name.reason];
  const password = checkPassword(values.password);
  if (password !== undefined) fields.password = [password];
  else if (values.confirm_password !== values.password) fields.confirm_password = ["The two passwords are not the same."];
  return { fields, form: [] };
}

export function toCreateOperator(values: OperatorFormValues): CreateOperatorBody {
  return {
    email: values.email.trim(),
    display_name: values.display_name.trim(),
    role: values.role,
    password: values.password,
  };
}

/** The reset form: the new password twice. */
export function checkReset(password: string, confirm: string): FormErrors<"new_password" | "confirm_password"> {
  const reason = checkPassword(password);
  if (reason !== undefined) return { fields: { new_password: [reason] }, form: [] };
  if (confirm !== password) return { fields: { confirm_password: ["The two passwords are not the same."] }, form: [] };
  return { fields: {}, form: [] };
}

export const OPERATOR_CONFLICTS: Partial<Record<string, OperatorField>> = { email_taken: "email" };
