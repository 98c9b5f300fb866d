// The shift form: its values (as typed), the checks attendance-api makes on a shift
// (CreateSessionRequest / SessionInput::validate, made in the browser the same way) and the
// request bodies: a create sends what is filled in, an update only what changed.

import type { FormErrors } from "../lib/formErrors";
import type { CreateShiftBody, Shift, UpdateShiftBody } from "./api";
import { checkInteger, checkText, checkTime, formatMinutes, formatTime, shiftMinutes } from "./values";

export const SHIFT_FIELDS = [
  "name",
  "start_time",
  "end_time",
  "grace_period_minutes",
  "early_leave_grace_minutes",
  "expected_duration_minutes",
  "organization",
  "is_active",
] as const;
export type ShiftField = (typeof SHIFT_FIELDS)[number];

export const SHIFT_LABELS: Record<ShiftField, string> = {
  name: "Name",
  start_time: "Starts at",
  end_time: "Ends at",
  grace_period_minutes: "Lateness forgiven (minutes)",
  early_leave_grace_minutes: "Early leave forgiven (minutes)",
  expected_duration_minutes: "Expected duration (minutes)",
  organization: "Organisation",
  is_active: "Active",
};

/** The limits of CreateSessionRequest (attendance-api's dto/policies.rs). */
export const SHIFT_LIMITS = { name: 100, organization: 200, grace: 720, duration: 1440 } as const;

export interface ShiftFormValues {
  name: string;
  start_time: string;
  end_time: string;
  grace_period_minutes: string;
  early_leave_grace_minutes: string;
  /** Empty on a new shift: the API takes the shift's length. */
  expected_duration_minutes: string;
  organization: string;
  is_active: boolean;
}

export const EMPTY_SHIFT: ShiftFormValues = {
  name: "",
  start_time: "09:00",
  end_time: "17:00",
  grace_period_minutes: "0",
  early_leave_grace_minutes: "0",
  expected_duration_minutes: "",
  organization: "",
  is_active: true,
};

export function shiftValues(shift: Shift): ShiftFormValues {
  return {
    name: shift.name,
    start_time: formatTime(shift.start_time),
    end_time: formatTime(shift.end_time),
    grace_period_minutes: String(shift.grace_period_minutes),
    early_leave_grace_minutes: String(shift.early_leave_grace_minutes),
    expected_duration_minutes: String(shift.expected_duration_minutes),
    organization: shift.organization ?? "",
    is_active: shift.is_active,
  };
}

/** The shift's length when its hours are valid, in minutes. */
export function lengthOf(values: Pick<ShiftFormValues, "start_time" | "end_time">): number | undefined {
  const start = checkTime(values.start_time);
  const end = checkTime(values.end_time);
  return start.ok && end.ok ? shiftMinutes(start.value, end.value) : undefined;
}

export interface ShiftCheck {
  errors: FormErrors<ShiftField>;
  /** The values as the API would take them, when there is no error. */
  valid?: {
    name: string;
    start_time: string;
    end_time: string;
    grace: number;
    early: number;
    /** Undefined: left empty on a new shift. */
    expected: number | undefined;
    organization: string | undefined;
  };
}

/**
 * attendance-api's checks, each field alone and then together: a grace period (late or early)
 * may not be longer than the shift, where an end at or before the start crosses midnight.
 * `isNew`: an empty expected duration is allowed (the API takes the shift's length); an
 * existing shift has one, which can be changed but not emptied.
 */
export function checkShift(values: ShiftFormValues, isNew: boolean): ShiftCheck {
  const fields: FormErrors<ShiftField>["fields"] = {};
  const fail = (field: ShiftField, reason: string) => {
    (fields[field] ??= []).push(reason);
  };
  const name = checkText(values.name, SHIFT_LIMITS.name);
  if (!name.ok) fail("name", name.reason);
  const start = checkTime(values.start_time);
  if (!start.ok) fail("start_time", start.reason);
  const end = checkTime(values.end_time);
  if (!end.ok) fail("end_time", end.reason);
  const grace = checkInteger(values.grace_period_minutes, 0, SHIFT_LIMITS.grace);
  if (!grace.ok) fail("grace_period_minutes", grace.reason);
  const early = checkInteger(values.early_leave_grace_minutes, 0, SHIFT_LIMITS.grace);
  if (!early.ok) fail("early_leave_grace_minutes", early.reason);
  let expected: number | undefined;
  if (values.expected_duration_minutes.trim() !== "" || !isNew) {
    const duration = checkInteger(values.expected_duration_minutes, 1, SHIFT_LIMITS.duration);
    if (duration.ok) expected = duration.value;
    else fail("expected_duration_minutes", duration.reason);
  }
  let organization: string | undefined;
  if (values.organization.trim() !== "") {
    const org = checkText(values.organization, SHIFT_LIMITS.organization);
    if (org.ok) organization = org.value;
    else fail("organization", org.reason);
  }
  if (start.ok && end.ok) {
    const length = shiftMinutes(start.value, end.value);
    const longer = (minutes: number) =>
      `A grace period of ${minutes} min is longer than the ${length} min shift (${formatMinutes(length)}).`;
    if (grace.ok && grace.value > length) fail("grace_period_minutes", longer(grace.value));
    if (early.ok && early.value > length) fail("early_leave_grace_minutes", longer(early.value));
  }
  const errors: FormErrors<ShiftField> = { fields, form: [] };
  if (Object.keys(fields).length > 0 || !name.ok || !start.ok || !end.ok || !grace.ok || !early.ok) return { errors };
  return {
    errors,
    valid: {
      name: name.value,
      start_time: values.start_time.trim(),
      end_time: values.end_time.trim(),
      grace: grace.value,
      early: early.value,
      expected,
      organization,
    },
  };
}

/** A create: every field, the expected duration only when given, no organisation when empty. */
export function toCreateShift(valid: NonNullable<ShiftCheck["valid"]>, isActive: boolean): CreateShiftBody {
  const body: CreateShiftBody = {
    name: valid.name,
    start_time: valid.start_time,
    end_time: valid.end_time,
    grace_period_minutes: valid.grace,
    early_leave_grace_minutes: valid.early,
    is_active: isActive,
  };
  if (valid.expected !== undefined) body.expected_duration_minutes = valid.expected;
  if (valid.organization !== undefined) body.organization = valid.organization;
  return body;
}

/** An update: only what differs from the shift as loaded; an emptied organisation is `null`. */
export function toUpdateShift(values: ShiftFormValues, original: ShiftFormValues): UpdateShiftBody {
  const body: UpdateShiftBody = {};
  if (values.name.trim() !== original.name) body.name = values.name.trim();
  if (values.start_time.trim() !== original.start_time) body.start_time = values.start_time.trim();
  if (values.end_time.trim() !== original.end_time) body.end_time = values.end_time.trim();
  const number = (field: "grace_period_minutes" | "early_leave_grace_minutes" | "expected_duration_minutes") => {
    if (values[field].trim() !== original[field]) body[field] = Number(values[field].trim());
  };
  number("grace_period_minutes");
  number("early_leave_grace_minutes");
  number("expected_duration_minutes");
  if (values.organization.trim() !== original.organization) {
    body.organization = values.organization.trim() === "" ? null : values.organization.trim();
  }
  if (values.is_active !== original.is_active) body.is_active = values.is_active;
  return body;
}

/** 409s about one field. */
export const SHIFT_CONFLICTS: Partial<Record<string, ShiftField>> = { session_name_taken: "name" };
