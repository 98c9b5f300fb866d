import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { describeRefusal, invalidFieldLinks, mapRefusal } from "./refusal";

const conflict = new ApiError({ status: 409, code: "session_name_taken", message: 'a shift named "Day" exists' });
const invalid = new ApiError({
  status: 422,
  code: "validation_failed",
  message: "the request has invalid fields",
  details: [
    { field: "grace_period_minutes", code: "out_of_range", message: "must be between 0 and 720" },
    { field: "working_days", code: "invalid_working_days", message: "weekday 1 is listed twice" },
  ],
});

describe("a refusal of the API", () => {
  it("is described with its reason and its code", () => {
    expect(describeRefusal(conflict)).toBe('A shift named "Day" exists. (session_name_taken)');
    expect(describeRefusal(new ApiError({ status: 0, code: "network_error", message: "The console could not be reached." }))).toBe(
      "The console could not be reached. (network_error)",
    );
    expect(describeRefusal(new Error("boom"))).toBe("Boom.");
  });

  it("puts a field's reasons beside the field and the refusal with its code above the form", () => {
    const errors = mapRefusal(invalid, ["name", "grace_period_minutes"] as const);
    expect(errors.fields).toEqual({ grace_period_minutes: ["Must be between 0 and 720."] });
    // The reason about a field the form does not show stays above it, named.
    expect(errors.form).toEqual(["The request has invalid fields. (validation_failed)", "Working_days: weekday 1 is listed twice."]);
  });

  it("puts a conflict beside the field it is about, and says it once above with its code", () => {
    const errors = mapRefusal(conflict, ["name"] as const, { session_name_taken: "name" });
    expect(errors.fields).toEqual({ name: ['A shift named "Day" exists.'] });
    expect(errors.form).toEqual(['A shift named "Day" exists. (session_name_taken)']);
  });

  it("says a refusal about no field once, with its code", () => {
    const errors = mapRefusal(new ApiError({ status: 403, code: "forbidden", message: "missing permission" }), ["name"] as const);
    expect(errors).toEqual({ fields: {}, form: ["Missing permission. (forbidden)"] });
  });

  it("links the summary to the fields that have reasons, in the form's order", () => {
    const errors = { fields: { reason: ["x"], exception_date: ["y"] }, form: [] };
    const links = invalidFieldLinks(errors, ["exception_date", "person_id", "reason"] as const, { exception_date: "Date", person_id: "Person", reason: "Reason" }, (f) => `e-${f}`);
    expect(links).toEqual([
      { id: "e-exception_date", label: "Date" },
      { id: "e-reason", label: "Reason" },
    ]);
  });
});
