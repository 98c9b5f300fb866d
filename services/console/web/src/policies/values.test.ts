import { describe, expect, it } from "vitest";
import { checkDate, checkInteger, checkNumber, checkText, checkTime, formatMinutes, formatTime, formatWorkingDays, shiftMinutes } from "./values";

describe("attendance-api's single-value checks, in the browser", () => {
  it("takes text as the domain's Text: trimmed, not empty, bounded, no control characters", () => {
    expect(checkText("  Day  ", 100)).toEqual({ ok: true, value: "Day" });
    expect(checkText("   ", 100)).toEqual({ ok: false, reason: "Must not be empty." });
    expect(checkText("é".repeat(100), 100).ok).toBe(true);
    expect(checkText("é".repeat(101), 100)).toEqual({ ok: false, reason: "Must be at most 100 characters." });
    expect(checkText("Day\u0007", 100).ok).toBe(false);
  });

  it("takes times as HH:MM or HH:MM:SS, 24-hour", () => {
    expect(checkTime("09:00")).toEqual({ ok: true, value: 9 * 3600 });
    expect(checkTime("22:30:15")).toEqual({ ok: true, value: 22 * 3600 + 30 * 60 + 15 });
    for (const bad of ["", "24:00", "9", "09:60", "09:00:60", "nine"]) expect(checkTime(bad).ok, bad).toBe(false);
  });

  it("takes whole numbers and numbers within their bounds", () => {
    expect(checkInteger("15", 0, 720)).toEqual({ ok: true, value: 15 });
    expect(checkInteger("721", 0, 720)).toEqual({ ok: false, reason: "Must be between 0 and 720." });
    expect(checkInteger("-1", 0, 720).ok).toBe(false);
    expect(checkInteger("1.5", 0, 720)).toEqual({ ok: false, reason: "Must be a whole number." });
    expect(checkNumber("0.65", 0, 1)).toEqual({ ok: true, value: 0.65 });
    expect(checkNumber("1.01", 0, 1).ok).toBe(false);
    expect(checkNumber("abc", 0, 1)).toEqual({ ok: false, reason: "Must be a number." });
    expect(checkNumber("", 0, 1)).toEqual({ ok: false, reason: "Enter a number." });
  });

  it("takes real calendar days only", () => {
    expect(checkDate("2026-12-25")).toEqual({ ok: true, value: "2026-12-25" });
    expect(checkDate("2026-04-31").ok).toBe(false);
    expect(checkDate("2028-02-29").ok).toBe(true);
    expect(checkDate("25/12/2026").ok).toBe(false);
  });
});

describe("shift lengths and how values are shown", () => {
  it("measures a shift on the wall clock, a night shift across midnight", () => {
    expect(shiftMinutes(9 * 3600, 17 * 3600)).toBe(480);
    expect(shiftMinutes(22 * 3600, 6 * 3600)).toBe(480);
    // The same start and end: a whole day.
    expect(shiftMinutes(9 * 3600, 9 * 3600)).toBe(1440);
  });

  it("shows times without zero seconds, durations in hours and minutes, and runs of working days", () => {
    expect(formatTime("09:00:00")).toBe("09:00");
    expect(formatTime("09:00:30")).toBe("09:00:30");
    expect(formatMinutes(450)).toBe("7 h 30 min");
    expect(formatMinutes(45)).toBe("45 min");
    expect(formatWorkingDays([0, 1, 2, 3, 4])).toBe("Mon–Fri");
    expect(formatWorkingDays([4, 0, 2])).toBe("Mon, Wed, Fri");
    expect(formatWorkingDays([0, 1, 3, 4, 5])).toBe("Mon, Tue, Thu–Sat");
    expect(formatWorkingDays([0, 1, 2, 3, 4, 5, 6])).toBe("Every day");
  });
});
