import { describe, expect, it } from "vitest";
import type { Rule } from "./api";
import { EMPTY_RULE, checkRule, ruleValues, toCreateRule, toUpdateRule, type RuleFormValues } from "./ruleForm";

const STANDARD: Rule = {
  id: "0190a000-0000-7000-8000-000000000002",
  name: "Standard",
  working_days: [4, 0, 1, 2, 3],
  start_time: "09:00:00",
  end_time: "17:30:00",
  min_presence_percentage: 80,
  // As stored: an f32.
  auto_check_in_threshold: 0.699999988079071,
  manual_review_threshold: 0.6000000238418579,
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const values = (change: Partial<RuleFormValues>): RuleFormValues => ({ ...EMPTY_RULE, name: "Week", ...change });

describe("the rule form's checks (attendance-api's, in the browser)", () => {
  it("accepts the API's defaults", () => {
    expect(checkRule(values({}))).toEqual({ errors: { fields: {}, form: [] }, valid: true });
  });

  it("wants at least one working day and confidences in [0, 1]", () => {
    const check = checkRule(values({ working_days: [], auto_check_in_threshold: "1.5", manual_review_threshold: "x", min_presence_percentage: "101" }));
    expect(check.valid).toBe(false);
    expect(check.errors.fields).toEqual({
      working_days: ["Choose at least one working day."],
      auto_check_in_threshold: ["Must be between 0 and 1."],
      manual_review_threshold: ["Must be a number."],
      min_presence_percentage: ["Must be between 0 and 100."],
    });
  });

  it("keeps the review threshold at most the automatic one (equal is allowed)", () => {
    expect(checkRule(values({ auto_check_in_threshold: "0.6", manual_review_threshold: "0.7" })).errors.fields.manual_review_threshold).toEqual([
      "The review threshold (0.7) must not exceed the automatic check-in threshold (0.6).",
    ]);
    expect(checkRule(values({ auto_check_in_threshold: "0.7", manual_review_threshold: "0.7" })).valid).toBe(true);
  });
});

describe("the rule requests", () => {
  it("shows a stored rule as it was typed: days in order, f32 thresholds rounded", () => {
    expect(ruleValues(STANDARD)).toMatchObject({
      working_days: [0, 1, 2, 3, 4],
      start_time: "09:00",
      end_time: "17:30",
      auto_check_in_threshold: "0.7",
      manual_review_threshold: "0.6",
      min_presence_percentage: "80",
    });
  });

  it("creates with every field as numbers", () => {
    expect(toCreateRule(values({ name: " Week ", working_days: [5, 0], is_active: true }))).toEqual({
      name: "Week",
      working_days: [0, 5],
      start_time: "09:00",
      end_time: "17:00",
      auto_check_in_threshold: 0.7,
      manual_review_threshold: 0.6,
      min_presence_percentage: 0,
      is_active: true,
    });
  });

  it("updates only what changed; a threshold typed the same way is not a change", () => {
    const original = ruleValues(STANDARD);
    expect(toUpdateRule({ ...original, auto_check_in_threshold: "0.70" }, original)).toEqual({});
    expect(toUpdateRule({ ...original, working_days: [0, 1, 2, 3, 4, 5], manual_review_threshold: "0.55", is_active: false }, original)).toEqual({
      working_days: [0, 1, 2, 3, 4, 5],
      manual_review_threshold: 0.55,
      is_active: false,
    });
  });
});
