// A person's month: the grid's weeks start on Monday, every day of the month is in it once,
// each with its own record, today and the future marked; month navigation across years.

import { describe, expect, it } from "vitest";
import {
  addMonths,
  buildCalendar,
  formatHoursMinutes,
  formatMinutes,
  formatMonth,
  monthRange,
  monthTotals,
  parseMonth,
  statusLetter,
} from "./calendar";

const record = (date: string, status: string, duration: number | null = null) => ({
  id: `id-${date}`,
  attendance_date: date,
  status,
  duration_minutes: duration,
});

describe("buildCalendar", () => {
  it("lays out December 2026 from Tuesday the 1st, Monday first", () => {
    const weeks = buildCalendar({ year: 2026, month: 12 }, [], "2026-12-07");
    expect(weeks).toHaveLength(5);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    // 1 December 2026 is a Tuesday: one blank before it.
    expect(weeks[0]?.[0]).toBeNull();
    expect(weeks[0]?.[1]?.date).toBe("2026-12-01");
    expect(weeks[0]?.[1]?.weekday).toBe(1);
    // 31 December is a Thursday: Friday to Sunday blank.
    expect(weeks[4]?.slice(3).map((d) => d?.date)).toEqual(["2026-12-31", undefined, undefined, undefined]);
    const days = weeks.flat().filter((d) => d !== null);
    expect(days.map((d) => d.day)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });

  it("needs six weeks for a month that starts on a Sunday", () => {
    // 1 March 2026 is a Sunday.
    const weeks = buildCalendar({ year: 2026, month: 3 }, [], "2026-01-01");
    expect(weeks).toHaveLength(6);
    expect(weeks[0]?.[6]?.date).toBe("2026-03-01");
  });

  it("puts each record on its day and marks today and the days to come", () => {
    const weeks = buildCalendar(
      { year: 2024, month: 2 },
      [record("2024-02-29", "late", 400), record("2024-02-05", "present", 480), record("2024-03-01", "absent")],
      "2024-02-10",
    );
    const days = weeks.flat().filter((d) => d !== null);
    expect(days).toHaveLength(29);
    expect(days.find((d) => d.date === "2024-02-29")?.record?.status).toBe("late");
    expect(days.find((d) => d.date === "2024-02-05")?.record?.status).toBe("present");
    // The record of another month is not shown in this one.
    expect(days.filter((d) => d.record !== undefined)).toHaveLength(2);
    expect(days.filter((d) => d.isToday).map((d) => d.date)).toEqual(["2024-02-10"]);
    expect(days.find((d) => d.date === "2024-02-11")?.isFuture).toBe(true);
    expect(days.find((d) => d.date === "2024-02-09")?.isFuture).toBe(false);
  });
});

describe("months", () => {
  const now = new Date(2026, 11, 7, 12);

  it("reads ?month= and falls back to this month", () => {
    expect(parseMonth("2025-03", now)).toEqual({ year: 2025, month: 3 });
    expect(parseMonth(null, now)).toEqual({ year: 2026, month: 12 });
    expect(parseMonth("2025-13", now)).toEqual({ year: 2026, month: 12 });
    expect(parseMonth("1999-01", now)).toEqual({ year: 2026, month: 12 });
    expect(parseMonth("march", now)).toEqual({ year: 2026, month: 12 });
  });

  it("moves across years", () => {
    expect(addMonths({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(addMonths({ year: 2026, month: 5 }, -17)).toEqual({ year: 2024, month: 12 });
    expect(formatMonth({ year: 2026, month: 3 })).toBe("2026-03");
  });

  it("asks for the month's first to last day", () => {
    expect(monthRange({ year: 2024, month: 2 })).toEqual({ from: "2024-02-01", to: "2024-02-29" });
    expect(monthRange({ year: 2026, month: 4 })).toEqual({ from: "2026-04-01", to: "2026-04-30" });
  });
});

describe("what a day says", () => {
  it("gives every status a letter", () => {
    expect(["present", "late", "early_leave", "absent", "pending"].map(statusLetter)).toEqual(["P", "L", "E", "A", "W"]);
    expect(statusLetter("unheard_of")).toBe("?");
  });

  it("writes minutes for people", () => {
    expect(formatMinutes(452)).toBe("7 h 32 min");
    expect(formatMinutes(480)).toBe("8 h");
    expect(formatMinutes(45)).toBe("45 min");
    expect(formatMinutes(-3)).toBe("0 min");
    expect(formatHoursMinutes(452)).toBe("7:32");
    expect(formatHoursMinutes(5)).toBe("0:05");
  });

  it("totals the month", () => {
    const totals = monthTotals([record("2026-12-01", "present", 480), record("2026-12-02", "late", 400), record("2026-12-03", "late", null)]);
    expect(totals).toEqual({ byStatus: { present: 1, late: 2 }, workedMinutes: 880 });
  });
});
