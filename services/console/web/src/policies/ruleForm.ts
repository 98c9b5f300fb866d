// The rule form: its values (as typed), the checks attendance-api makes on a rule
// (CreateRuleRequest / RuleInput::validate, made in the browser the same way) and the request
// bodies: a create sends every field, an update only what changed.

import type { FormErrors } from "../lib/formErrors";
import type { CreateRuleBody, Rule, UpdateRuleBody } from "./api";
import { checkNumber, checkText, checkTime, formatTime } from "./values";

export const RULE_FIELDS = [
  "name",
  "working_days",
  "start_time",
  "end_time",
  "auto_check_in_threshold",
  "manual_review_threshold",
  "min_presence_percentage",
  "is_active",
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

export const RULE_LABELS: Record<RuleField, string> = {
  name: "Name",
  working_days: "Working days",
  start_time: "Work starts at",
  end_time: "Work ends at",
  auto_check_in_threshold: "Automatic check-in from confidence",
  manual_review_threshold: "Review from confidence",
  min_presence_percentage: "Minimum presence (%)",
  is_active: "Make this the site's active rule",
};

export interface RuleFormValues {
  name: string;
  /** Weekday indices, 0 (Monday) to 6 (Sunday). */
  working_days: number[];
  start_time: string;
  end_time: string;
  auto_check_in_threshold: string;
  manual_review_threshold: string;
  min_presence_percentage: string;
  is_active: boolean;
}

/** A new rule starts from attendance-api's own defaults (0.7, 0.6, 0 %), Monday to Friday. */
export const EMPTY_RULE: RuleFormValues = {
  name: "",
  working_days: [0, 1, 2, 3, 4],
  start_time: "09:00",
  end_time: "17:00",
  auto_check_in_threshold: "0.7",
  manual_review_threshold: "0.6",
  min_presence_percentage: "0",
  is_active: false,
};

/** A stored threshold is an f32: 0.7 comes back as 0.699999988, shown as 0.7. */
function threshold(value: number): string {
  return String(Number(value.toPrecision(6)));
}

export function ruleValues(rule: Rule): RuleFormValues {
  return {
    name: rule.name,
    working_days: [...rule.working_days].sort((a, b) => a - b),
    start_time: formatTime(rule.start_time),
    end_time: formatTime(rule.end_time),
    auto_check_in_threshold: threshold(rule.auto_check_in_threshold),
    manual_review_threshold: threshold(rule.manual_review_threshold),
    min_presence_percentage: String(rule.min_presence_percentage),
    is_active: rule.is_active,
  };
}

export { threshold as formatThreshold };

export interface RuleCheck {
  errors: FormErrors<RuleField>;
  valid: boolean;
}

/**
 * attendance-api's checks: a name, distinct weekdays (at least one), two times, a presence
 * between 0 and 100, and two confidences in [0, 1] with the review threshold at most the
 * automatic one.
 */
export function checkRule(values: RuleFormValues): RuleCheck {
  const fields: FormErrors<RuleField>["fields"] = {};
  const fail = (field: RuleField, reason: string) => {
    (fields[field] ??= []).push(reason);
  };
  const name = checkText(values.name, 100);
  if (!name.ok) fail("name", name.reason);
  const days = values.working_days;
  if (days.length === 0) fail("working_days", "Choose at least one working day.");
  else if (days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) fail("working_days", "Each day must be 0 (Monday) to 6 (Sunday).");
  else if (new Set(days).size !== days.length) fail("working_days", "Each day may be listed once.");
  const start = checkTime(values.start_time);
  if (!start.ok) fail("start_time", start.reason);
  const end = checkTime(values.end_time);
  if (!end.ok) fail("end_time", end.reason);
  const presence = checkNumber(values.min_presence_percentage, 0, 100);
  if (!presence.ok) fail("min_presence_percentage", presence.reason);
  const auto = checkNumber(values.auto_check_in_threshold, 0, 1);
  if (!auto.ok) fail("auto_check_in_threshold", auto.reason);
  const review = checkNumber(values.manual_review_threshold, 0, 1);
  if (!review.ok) fail("manual_review_threshold", review.reason);
  if (auto.ok && review.ok && review.value > auto.value) {
    fail(
      "manual_review_threshold",
      `The review threshold (${review.value}) must not exceed the automatic check-in threshold (${auto.value}).`,
    );
  }
  return { errors: { fields, form: [] }, valid: Object.keys(fields).length === 0 };
}

/** A create: every field (the values have passed checkRule). */
export function toCreateRule(values: RuleFormValues): CreateRuleBody {
  return {
    name: values.name.trim(),
    working_days: [...values.working_days].sort((a, b) => a - b),
    start_time: values.start_time.trim(),
    end_time: values.end_time.trim(),
    auto_check_in_threshold: Number(values.auto_check_in_threshold),
    manual_review_threshold: Number(values.manual_review_threshold),
    min_presence_percentage: Number(values.min_presence_percentage),
    is_active: values.is_active,
  };
}

/** An update: only what differs from the rule as loaded. */
export function toUpdateRule(values: RuleFormValues, original: RuleFormValues): UpdateRuleBody {
  const body: UpdateRuleBody = {};
  if (values.name.trim() !== original.name) body.name = values.name.trim();
  const days = [...values.working_days].sort((a, b) => a - b);
  if (days.join(",") !== original.working_days.join(",")) body.working_days = days;
  if (values.start_time.trim() !== original.start_time) body.start_time = values.start_time.trim();
  if (values.end_time.trim() !== original.end_time) body.end_time = values.end_time.trim();
  for (const field of ["auto_check_in_threshold", "manual_review_threshold", "min_presence_percentage"] as const) {
    if (Number(values[field]) !== Number(original[field])) body[field] = Number(values[field]);
  }
  if (values.is_active !== original.is_active) body.is_active = values.is_active;
  return body;
}

export const RULE_CONFLICTS: Partial<Record<string, RuleField>> = { rule_name_taken: "name" };
