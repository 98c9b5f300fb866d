// The metadata form's values (text as typed, and the two JSON objects as rows of name and
// value) and the request made from them: only what changed, `null` for an emptied text field,
// and an object sent whole when any of its rows changed (the API replaces it as a whole).
// A row's value is text, sent as a string, or JSON (a number, true/false, a list...): what
// the API holds that is not a string is shown as JSON, so saving never turns it into text.

import type { FormErrors } from "../lib/formErrors";
import type { JsonObject, JsonValue, Metadata, UpdateMetadataBody } from "./api";

export const METADATA_FIELDS = ["address", "emergency_contact", "emergency_phone", "preferences", "custom_fields"] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];
export const TEXT_FIELDS = ["address", "emergency_contact", "emergency_phone"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];
export const OBJECT_FIELDS = ["preferences", "custom_fields"] as const;
export type ObjectField = (typeof OBJECT_FIELDS)[number];

export const METADATA_LABELS: Record<MetadataField, string> = {
  address: "Address",
  emergency_contact: "Emergency contact",
  emergency_phone: "Emergency phone",
  preferences: "Preferences",
  custom_fields: "Custom fields",
};
/** One row's name, for its labels: "preference 2", "custom field 1". */
export const ROW_NOUNS: Record<ObjectField, string> = {
  preferences: "preference",
  custom_fields: "custom field",
};

/** The limits of UpdateMetadataRequest (openapi/person-api.json). */
export const MAX_LENGTHS = { address: 500, emergency_contact: 200 } as const;

export type RowKind = "text" | "json";

export interface KeyValueRow {
  /** Stable across edits (React's key, the inputs' ids); never sent. */
  id: string;
  key: string;
  value: string;
  kind: RowKind;
}

export interface MetadataFormValues {
  address: string;
  emergency_contact: string;
  emergency_phone: string;
  preferences: KeyValueRow[];
  custom_fields: KeyValueRow[];
}

let lastRow = 0;
export function newRow(kind: RowKind = "text"): KeyValueRow {
  lastRow += 1;
  return { id: `row-${lastRow}`, key: "", value: "", kind };
}

/** An object's entries as rows: strings as text, anything else as JSON. */
export function rowsOf(object: JsonObject): KeyValueRow[] {
  return Object.entries(object).map(([key, value]) => {
    const row = newRow(typeof value === "string" ? "text" : "json");
    return { ...row, key, value: typeof value === "string" ? value : JSON.stringify(value) };
  });
}

export function valuesOf(metadata: Metadata): MetadataFormValues {
  return {
    address: metadata.address ?? "",
    emergency_contact: metadata.emergency_contact ?? "",
    emergency_phone: metadata.emergency_phone ?? "",
    preferences: rowsOf(metadata.preferences),
    custom_fields: rowsOf(metadata.custom_fields),
  };
}

/** The browser's own reasons against a row, by row id: beside its name or its value. */
export type RowErrors = Record<string, { key?: string[]; value?: string[] }>;

export interface RowsResult {
  object: JsonObject;
  errors: RowErrors;
}

/**
 * The rows as an object. A row with neither name nor value is ignored (an added row left
 * blank); a value without a name, a name used twice or JSON that does not parse is refused
 * beside the row rather than sent.
 */
export function objectOf(rows: readonly KeyValueRow[]): RowsResult {
  const object: JsonObject = {};
  const errors: RowErrors = {};
  const seen = new Set<string>();
  const add = (id: string, part: "key" | "value", message: string) => {
    const entry = (errors[id] ??= {});
    (entry[part] ??= []).push(message);
  };
  for (const row of rows) {
    const key = row.key.trim();
    if (key === "" && row.value.trim() === "") continue;
    if (key === "") {
      add(row.id, "key", "Give this value a name.");
    } else if (seen.has(key)) {
      add(row.id, "key", `Another row is already named “${key}”: each name can be used once.`);
    }
    seen.add(key);
    let value: JsonValue = row.value;
    if (row.kind === "json") {
      try {
        value = JSON.parse(row.value) as JsonValue;
      } catch {
        add(row.id, "value", "This is not valid JSON: e.g. 42, true, null, \"text\", [1, 2] or {\"a\": 1}.");
        continue;
      }
    }
    if (key !== "" && errors[row.id] === undefined) object[key] = value;
  }
  return { object, errors };
}

/** A JSON text with every object's keys sorted: two objects are equal when these are. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface UpdateResult {
  body: UpdateMetadataBody;
  /** Reasons against rows, found before sending: with any, nothing is sent. */
  rowErrors: RowErrors;
}

/** The request for what changed since `original` (the metadata as loaded). */
export function toUpdateBody(values: MetadataFormValues, original: Metadata): UpdateResult {
  const body: UpdateMetadataBody = {};
  for (const field of TEXT_FIELDS) {
    const before = original[field] ?? "";
    if (values[field] !== before) body[field] = values[field].trim() === "" ? null : values[field];
  }
  let rowErrors: RowErrors = {};
  for (const field of OBJECT_FIELDS) {
    const { object, errors } = objectOf(values[field]);
    rowErrors = { ...rowErrors, ...errors };
    if (canonical(object) !== canonical(original[field])) body[field] = object;
  }
  return { body, rowErrors };
}

export function hasRowErrors(errors: RowErrors): boolean {
  return Object.keys(errors).length > 0;
}

/**
 * What the error summary links to: each field with reasons from the API, and each row with
 * reasons of the browser's, in the form's order.
 */
export function invalidFields(
  values: MetadataFormValues,
  errors: FormErrors<MetadataField>,
  rowErrors: RowErrors,
): { id: string; label: string }[] {
  const list: { id: string; label: string }[] = [];
  for (const field of METADATA_FIELDS) {
    if ((errors.fields[field]?.length ?? 0) > 0) list.push({ id: fieldId(field), label: METADATA_LABELS[field] });
    if (field === "preferences" || field === "custom_fields") {
      values[field].forEach((row, index) => {
        const problems = rowErrors[row.id];
        const which = `${ROW_NOUNS[field]} ${index + 1}`;
        if (problems?.key !== undefined) list.push({ id: rowInputId(field, row.id, "key"), label: `Name of ${which}` });
        if (problems?.value !== undefined) list.push({ id: rowInputId(field, row.id, "value"), label: `Value of ${which}` });
      });
    }
  }
  return list;
}

/** The id of a field's input (or, for an object field, of its group). */
export function fieldId(field: MetadataField): string {
  return `metadata-${field}`;
}

export function rowInputId(field: ObjectField, rowId: string, part: "key" | "value" | "kind"): string {
  return `metadata-${field}-${rowId}-${part}`;
}
