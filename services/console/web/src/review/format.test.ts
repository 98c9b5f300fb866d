import { describe, expect, it } from "vitest";
import { cameraText, formatDay, isLowQuality, personLabel, reasonDetail, reasonTitle, statusText } from "./format";

describe("the review page's wording", () => {
  it("names each reason an item is in review, and any other the API may add", () => {
    expect(reasonTitle("low_confidence")).toBe("Low confidence");
    expect(reasonTitle("ambiguous_time")).toBe("Direction unclear");
    expect(reasonTitle("no_check_in")).toBe("No check-in");
    expect(reasonDetail("ambiguous_time")).toMatch(/check-in or a check-out/);
    expect(reasonTitle("new_reason")).toBe("new reason");
    expect(reasonDetail("new_reason")).toBeUndefined();
  });

  it("says a camera's role and a day's status in words", () => {
    expect(cameraText("gate", "both")).toBe("gate (entry and exit)");
    expect(cameraText("gate", "entry")).toBe("gate (entry)");
    expect(cameraText("gate", undefined)).toBe("gate");
    expect(statusText("early_leave")).toBe("left early");
    expect(statusText("present")).toBe("present");
  });

  it("reads a work day as the site's calendar date, whatever the zone", () => {
    expect(formatDay("2026-03-10")).toContain("10");
    expect(formatDay("2026-03-10")).toContain("2026");
    expect(formatDay("not a date")).toBe("not a date");
  });

  it("calls a quality under 0.5 low and a missing name unnamed", () => {
    expect(isLowQuality(0.49)).toBe(true);
    expect(isLowQuality(0.5)).toBe(false);
    expect(personLabel(null)).toBe("an unnamed person");
    expect(personLabel("Ada")).toBe("Ada");
  });
});
