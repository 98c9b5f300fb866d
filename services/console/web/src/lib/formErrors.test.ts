import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { hasErrors, mapFieldErrors } from "./formErrors";

const FIELDS = ["current_password", "new_password"] as const;

function validation(details: { field: string; code: string; message: string }[]) {
  return new ApiError({ status: 422, code: "validation_failed", message: "invalid fields", details });
}

describe("mapFieldErrors", () => {
  it("puts each reason beside its field, as a sentence", () => {
    const errors = mapFieldErrors(
      validation([
        { field: "current_password", code: "incorrect", message: "is not the current password" },
        { field: "new_password", code: "too_short", message: "must be at least 12 characters" },
      ]),
      FIELDS,
    );
    expect(errors.fields).toEqual({
      current_password: ["Is not the current password."],
      new_password: ["Must be at least 12 characters."],
    });
    expect(errors.form).toEqual([]);
  });

  it("keeps several reasons of one field in order", () => {
    const errors = mapFieldErrors(
      validation([
        { field: "new_password", code: "too_long", message: "too long" },
        { field: "new_password", code: "weak", message: "too weak" },
      ]),
      FIELDS,
    );
    expect(errors.fields.new_password).toEqual(["Too long.", "Too weak."]);
  });

  it("maps a nested path to its top field", () => {
    const errors = mapFieldErrors(
      validation([{ field: "custom_fields.badge", code: "invalid_characters", message: "no U+0000" }]),
      ["custom_fields"] as const,
    );
    expect(errors.fields.custom_fields).toEqual(["No U+0000."]);
  });

  it("lists a reason about a field the form does not have at the form's level", () => {
    const errors = mapFieldErrors(validation([{ field: "nickname", code: "unknown", message: "unknown field" }]), FIELDS);
    expect(errors.fields).toEqual({});
    expect(errors.form).toEqual(["Nickname: unknown field."]);
  });

  it("puts a conflict on the field it is about", () => {
    const error = new ApiError({ status: 409, code: "email_taken", message: "email already used" });
    const errors = mapFieldErrors(error, ["email", "id_number"] as const, { email_taken: "email" });
    expect(errors.fields).toEqual({ email: ["Email already used."] });
    expect(errors.form).toEqual([]);
  });

  it("shows an error without details as the form's", () => {
    const error = new ApiError({ status: 503, code: "service_unavailable", message: "person-api is unavailable" });
    const errors = mapFieldErrors(error, FIELDS);
    expect(errors).toEqual({ fields: {}, form: ["Person-api is unavailable."] });
    expect(hasErrors(errors)).toBe(true);
  });

  it("shows nothing for no error", () => {
    expect(hasErrors(mapFieldErrors(undefined, FIELDS))).toBe(false);
  });
});
