import { describe, expect, it } from "vitest";
import type { Shift } from "./api";
import { EMPTY_SHIFT, checkShift, shiftValues, toCreateShift, toUpdateShift, type ShiftFormValues } from "./shiftForm";

const NIGHT: Shift = {
  id: "0190a000-0000-7000-8000-000000000001",
  name: "Night",
  start_time: "22:00:00",
  end_time: "06:00:00",
  expected_duration_minutes: 480,
  grace_period_minutes: 15,
  early_leave_grace_minutes: 0,
  is_active: true,
  organization: "Warehouse",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const values = (change: Partial<ShiftFormValues>): ShiftFormValues => ({ ...EMPTY_SHIFT, name: "Day", ...change });

describe("the shift form's checks (attendance-api's, in the browser)", () => {
  it("accepts a night shift and leaves the expected duration to the API on a new shift", () => {
    const check = checkShift(values({ start_time: "22:00", end_time: "06:00", grace_period_minutes: "15" }), true);
    expect(check.errors.fields).toEqual({});
    expect(check.valid).toEqual({
      name: "Day",
      start_time: "22:00",
      end_time: "06:00",
      grace: 15,
      early: 0,
      expected: undefined,
      organization: undefined,
    });
  });

  it("names every bad field at once", () => {
    const check = checkShift(
      values({ name: " ", start_time: "25:00", grace_period_minutes: "-1", early_leave_grace_minutes: "721", expected_duration_minutes: "0", organization: "x".repeat(201) }),
      true,
    );
    expect(check.valid).toBeUndefined();
    expect(Object.keys(check.errors.fields).sort()).toEqual(
      ["early_leave_grace_minutes", "expected_duration_minutes", "grace_period_minutes", "name", "organization", "start_time"].sort(),
    );
    expect(check.errors.fields.grace_period_minutes).toEqual(["Must be between 0 and 720."]);
  });

  it("refuses a grace period longer than the shift, as the domain's Shift does", () => {
    const check = checkShift(values({ start_time: "09:00", end_time: "10:00", grace_period_minutes: "90", early_leave_grace_minutes: "61" }), true);
    expect(check.errors.fields.grace_period_minutes?.[0]).toMatch(/^A grace period of 90 min is longer than the 60 min shift/);
    expect(check.errors.fields.early_leave_grace_minutes?.[0]).toMatch(/61 min is longer than the 60 min shift/);
    // A whole hour on a one-hour shift is allowed.
    expect(checkShift(values({ start_time: "09:00", end_time: "10:00", grace_period_minutes: "60" }), true).valid).toBeDefined();
  });

  it("asks an existing shift for its expected duration (a PATCH cannot empty it)", () => {
    const original = shiftValues(NIGHT);
    expect(checkShift({ ...original, expected_duration_minutes: "" }, false).errors.fields.expected_duration_minutes).toEqual(["Enter a number."]);
  });
});

describe("the shift requests", () => {
  it("creates with every field, an expected duration and organisation only when given", () => {
    const check = checkShift(values({ organization: "  Warehouse ", expected_duration_minutes: "450" }), true);
    expect(check.valid).toBeDefined();
    if (check.valid === undefined) return;
    expect(toCreateShift(check.valid, false)).toEqual({
      name: "Day",
      start_time: "09:00",
      end_time: "17:00",
      grace_period_minutes: 0,
      early_leave_grace_minutes: 0,
      expected_duration_minutes: 450,
      organization: "Warehouse",
      is_active: false,
    });
    const plain = checkShift(values({}), true).valid;
    expect(plain !== undefined && toCreateShift(plain, true)).toEqual({
      name: "Day",
      start_time: "09:00",
      end_time: "17:00",
      grace_period_minutes: 0,
      early_leave_grace_minutes: 0,
      is_active: true,
    });
  });

  it("updates only what changed, null for an emptied organisation", () => {
    const original = shiftValues(NIGHT);
    expect(original.start_time).toBe("22:00");
    expect(toUpdateShift(original, original)).toEqual({});
    expect(toUpdateShift({ ...original, grace_period_minutes: "20", organization: "", is_active: false }, original)).toEqual({
      grace_period_minutes: 20,
      organization: null,
      is_active: false,
    });
    expect(toUpdateShift({ ...original, name: " Late night ", end_time: "06:30" }, original)).toEqual({ name: "Late night", end_time: "06:30" });
  });
});
