// The person form's values (what the operator typed, as text) and the request bodies made
// from them: a create sends what is filled in; an update sends only what changed, and `null`
// for an optional field that was emptied.

import type { CreatePersonBody, Person, UpdatePersonBody } from "./api";
import { PERSON_STATUSES, PERSON_TYPES, type PersonStatusFilter, type PersonTypeFilter } from "../lib/pagination";

export const PERSON_FIELDS = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "person_type",
  "id_number",
  "id_type",
  "department",
  "organization",
  "status",
] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

export const OPTIONAL_FIELDS = ["phone", "id_number", "id_type", "department", "organization"] as const;
type OptionalField = (typeof OPTIONAL_FIELDS)[number];

export interface PersonFormValues {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  person_type: PersonTypeFilter;
  id_number: string;
  id_type: string;
  department: string;
  organization: string;
  status: PersonStatusFilter;
}

export const EMPTY_PERSON: PersonFormValues = {
  first_name: "",
  last_name: "",
  email: "",
  phone: "",
  person_type: "employee",
  id_number: "",
  id_type: "",
  department: "",
  organization: "",
  status: "active",
};

export function valuesOf(person: Person): PersonFormValues {
  return {
    first_name: person.first_name,
    last_name: person.last_name,
    email: person.email,
    phone: person.phone ?? "",
    person_type: PERSON_TYPES.find((t) => t === person.person_type) ?? "employee",
    id_number: person.id_number ?? "",
    id_type: person.id_type ?? "",
    department: person.department ?? "",
    organization: person.organization ?? "",
    status: PERSON_STATUSES.find((s) => s === person.status) ?? "active",
  };
}

/** A create: the names, the email, the type and status, and each optional field filled in. */
export function toCreateBody(values: PersonFormValues): CreatePersonBody {
  const body: CreatePersonBody = {
    first_name: values.first_name,
    last_name: values.last_name,
    email: values.email.trim(),
    person_type: values.person_type,
    status: values.status,
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = values[field];
    if (value.trim() !== "") body[field] = value;
  }
  return body;
}

/** An update: only the fields that differ from `original`; an emptied optional field is `null`. */
export function toUpdateBody(values: PersonFormValues, original: PersonFormValues): UpdatePersonBody {
  const body: UpdatePersonBody = {};
  if (values.first_name !== original.first_name) body.first_name = values.first_name;
  if (values.last_name !== original.last_name) body.last_name = values.last_name;
  if (values.email !== original.email) body.email = values.email.trim();
  if (values.person_type !== original.person_type) body.person_type = values.person_type;
  if (values.status !== original.status) body.status = values.status;
  for (const field of OPTIONAL_FIELDS satisfies readonly OptionalField[]) {
    if (values[field] !== original[field]) {
      body[field] = values[field].trim() === "" ? null : values[field];
    }
  }
  return body;
}

/** 409s that are about one field. */
export const PERSON_CONFLICTS: Partial<Record<string, PersonField>> = {
  email_taken: "email",
  id_number_taken: "id_number",
};

export const PERSON_LABELS: Record<PersonField, string> = {
  first_name: "First name",
  last_name: "Last name",
  email: "Email",
  phone: "Phone",
  person_type: "Type",
  id_number: "ID number",
  id_type: "ID type",
  department: "Department",
  organization: "Organization",
  status: "Status",
};
