import { describe, expect, it } from "vitest";
import { ApiError } from "../lib/errors";
import { mapFieldErrors } from "../lib/formErrors";
import type { Metadata } from "./api";
import {
  METADATA_FIELDS,
  canonical,
  invalidFields,
  newRow,
  objectOf,
  rowInputId,
  toUpdateBody,
  valuesOf,
  type KeyValueRow,
  type MetadataFormValues,
} from "./metadataForm";

const SAVED: Metadata = {
  person_id: "p",
  address: "12 Analytical Row, London",
  emergency_contact: "Sam Lovelace",
  emergency_phone: null,
  preferences: { language: "en", notifications: true },
  custom_fields: { badge: "B-1234", floor: 3, teams: ["red", "blue"] },
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

const row = (key: string, value: string, kind: KeyValueRow["kind"] = "text"): KeyValueRow => ({ ...newRow(kind), key, value });

describe("the metadata form's values", () => {
  it("shows strings as text rows and anything else as JSON rows, and empty text for null", () => {
    const values = valuesOf(SAVED);
    expect(values.emergency_phone).toBe("");
    expect(values.custom_fields.map(({ key, value, kind }) => [key, value, kind])).toEqual([
      ["badge", "B-1234", "text"],
      ["floor", "3", "json"],
      ["teams", '["red","blue"]', "json"],
    ]);
    expect(values.preferences.map(({ key, value, kind }) => [key, value, kind])).toEqual([
      ["language", "en", "text"],
      ["notifications", "true", "json"],
    ]);
    // Every row has an id of its own (the inputs' ids are made from it).
    const ids = [...values.preferences, ...values.custom_fields].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("the metadata request", () => {
  it("sends nothing when nothing changed, not even the objects it read", () => {
    expect(toUpdateBody(valuesOf(SAVED), SAVED)).toEqual({ body: {}, rowErrors: {} });
  });

  it("sends only the text that changed, and null for an emptied field", () => {
    const values: MetadataFormValues = { ...valuesOf(SAVED), address: "", emergency_phone: "+44 20 7946 0958" };
    expect(toUpdateBody(values, SAVED).body).toEqual({ address: null, emergency_phone: "+44 20 7946 0958" });
  });

  it("sends a whole object when one of its rows changed: added, edited or removed", () => {
    const values = valuesOf(SAVED);
    const custom = [...values.custom_fields.filter((r) => r.key !== "teams"), row("desk", "4.12"), row("parking", "false", "json")];
    custom[0] = { ...custom[0]!, value: "B-9999" };
    const { body, rowErrors } = toUpdateBody({ ...values, custom_fields: custom }, SAVED);
    expect(rowErrors).toEqual({});
    expect(body).toEqual({ custom_fields: { badge: "B-9999", floor: 3, desk: "4.12", parking: false } });
    expect(body.preferences).toBeUndefined();
  });

  it("keeps a value's kind: text stays a string even when it looks like a number", () => {
    const { body } = toUpdateBody({ ...valuesOf(SAVED), preferences: [row("pin", "0042"), row("volume", "7", "json")] }, SAVED);
    expect(body.preferences).toEqual({ pin: "0042", volume: 7 });
  });

  it("sends an empty object when every row is removed, and ignores rows left blank", () => {
    const { body } = toUpdateBody({ ...valuesOf(SAVED), custom_fields: [row("", "")], preferences: [] }, SAVED);
    expect(body).toEqual({ custom_fields: {}, preferences: {} });
  });

  it("sees rows put in another order as no change", () => {
    const values = valuesOf(SAVED);
    expect(toUpdateBody({ ...values, custom_fields: [...values.custom_fields].reverse() }, SAVED).body).toEqual({});
    expect(canonical({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":1,"f":2}]},"b":1}');
  });

  it("refuses a value without a name, a name used twice and JSON that does not parse, beside the row", () => {
    const nameless = row("  ", "orphan");
    const first = row("badge", "1");
    const twice = row("badge", "2");
    const broken = row("limits", "{oops", "json");
    const { object, errors } = objectOf([nameless, first, twice, broken]);
    expect(object).toEqual({ badge: "1" });
    expect(errors[nameless.id]?.key?.[0]).toMatch(/name/);
    expect(errors[first.id]).toBeUndefined();
    expect(errors[twice.id]?.key?.[0]).toMatch(/already named “badge”/);
    expect(errors[broken.id]?.value?.[0]).toMatch(/not valid JSON/);
    expect(errors[broken.id]?.key).toBeUndefined();
  });

  it("reports the rows' problems with the body, so the page sends nothing", () => {
    const broken = row("limits", "", "json");
    const { rowErrors } = toUpdateBody({ ...valuesOf(SAVED), address: "elsewhere", preferences: [broken] }, SAVED);
    expect(Object.keys(rowErrors)).toEqual([broken.id]);
  });
});

describe("the metadata form's errors", () => {
  it("puts the API's reasons beside the field they name, and the rest above the form", () => {
    const error = new ApiError({
      status: 422,
      code: "validation_failed",
      message: "invalid fields",
      details: [
        { field: "emergency_phone", code: "invalid_phone", message: "must be an E.164 phone number" },
        { field: "custom_fields", code: "too_large", message: "must serialise to at most 32768 bytes" },
        { field: "preferences.theme", code: "invalid_characters", message: "no key or string may contain U+0000" },
        { field: "nickname", code: "unknown_field", message: "is not a field" },
      ],
    });
    const errors = mapFieldErrors(error, METADATA_FIELDS);
    expect(errors.fields).toEqual({
      emergency_phone: ["Must be an E.164 phone number."],
      custom_fields: ["Must serialise to at most 32768 bytes."],
      preferences: ["No key or string may contain U+0000."],
    });
    expect(errors.form).toEqual(["Nickname: is not a field."]);
  });

  it("links the summary to each field and each row with a reason, in the form's order", () => {
    const values = { ...valuesOf(SAVED), custom_fields: [row("a", "1"), row("", "x")] };
    const badRow = values.custom_fields[1]!;
    const links = invalidFields(
      values,
      { fields: { address: ["Too long."], custom_fields: ["Too large."] }, form: [] },
      { [badRow.id]: { key: ["Give this value a name."] } },
    );
    expect(links).toEqual([
      { id: "metadata-address", label: "Address" },
      { id: "metadata-custom_fields", label: "Custom fields" },
      { id: rowInputId("custom_fields", badRow.id, "key"), label: "Name of custom field 2" },
    ]);
  });
});
