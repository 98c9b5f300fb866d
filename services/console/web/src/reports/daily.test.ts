import { describe, expect, it } from "vitest";
import {
  dailyCsvHref,
  departmentChoice,
  departmentValue,
  narrowLines,
  pageOf,
  parseDailyQuery,
  shiftDate,
  toDailyParams,
  updateDailyQuery,
} from "./daily";

const lines = [
  { name: "Ada Lovelace", department: "Engineering", status: "present" },
  { name: "Grace Hopper", department: "Engineering", status: "late" },
  { name: "Charles Babbage", department: "Mathematics", status: null },
  { name: "Alan Turing", department: null, status: "absent" },
];

describe("the daily report's URL", () => {
  it("reads the date, department, status, search and page, and writes them back", () => {
    const query = parseDailyQuery(new URLSearchParams("date=2026-12-07&department=Engineering&status=late&q=grace&page=2"), "2026-12-09");
    expect(query).toEqual({ date: "2026-12-07", department: { kind: "named", name: "Engineering" }, status: "late", q: "grace", page: 2 });
    expect(toDailyParams(query).toString()).toBe("date=2026-12-07&department=Engineering&status=late&q=grace&page=2");
  });

  it("falls back to today and everyone for what is missing or wrong", () => {
    expect(parseDailyQuery(new URLSearchParams("date=2026-02-30&status=asleep&page=x"), "2026-12-09")).toEqual({
      date: "2026-12-09",
      department: { kind: "all" },
      status: undefined,
      q: undefined,
      page: 1,
    });
    expect(parseDailyQuery(new URLSearchParams("no_department=true"), "2026-12-09").department).toEqual({ kind: "none" });
  });

  it("goes back to the first page on any change but the page's", () => {
    const query = parseDailyQuery(new URLSearchParams("date=2026-12-07&page=3"), "2026-12-09");
    expect(updateDailyQuery(query, { status: "absent" }).page).toBe(1);
    expect(updateDailyQuery(query, { page: 4 }).page).toBe(4);
  });

  it("links the day's CSV through the console", () => {
    expect(dailyCsvHref("2026-12-07")).toBe("/api/v1/attendance/reports/daily?date=2026-12-07&format=csv");
  });

  it("moves a date by calendar days across months and years", () => {
    expect(shiftDate("2026-12-31", 1)).toBe("2027-01-01");
    expect(shiftDate("2026-03-01", -1)).toBe("2026-02-28");
    expect(shiftDate("2026-03-29", 0)).toBe("2026-03-29");
  });
});

describe("narrowing the persons' lines", () => {
  it("keeps a department, persons without one, a status (no record included) and a name", () => {
    expect(narrowLines(lines, { department: { kind: "named", name: "Engineering" }, status: undefined, q: undefined }).map((l) => l.name)).toEqual([
      "Ada Lovelace",
      "Grace Hopper",
    ]);
    expect(narrowLines(lines, { department: { kind: "none" }, status: undefined, q: undefined }).map((l) => l.name)).toEqual(["Alan Turing"]);
    expect(narrowLines(lines, { department: { kind: "all" }, status: "no_record", q: undefined }).map((l) => l.name)).toEqual(["Charles Babbage"]);
    expect(narrowLines(lines, { department: { kind: "all" }, status: undefined, q: "AL" }).map((l) => l.name)).toEqual(["Alan Turing"]);
    expect(narrowLines(lines, { department: { kind: "all" }, status: undefined, q: "a" })).toHaveLength(4);
  });

  it("round-trips the department select's values", () => {
    for (const choice of [{ kind: "all" } as const, { kind: "none" } as const, { kind: "named", name: "Sales" } as const]) {
      expect(departmentChoice(departmentValue(choice))).toEqual(choice);
    }
  });

  it("pages the lines and keeps the page within them", () => {
    const many = Array.from({ length: 120 }, (_, i) => i);
    expect(pageOf(many, 1)).toMatchObject({ page: 1, pages: 3 });
    expect(pageOf(many, 3).lines).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]);
    expect(pageOf(many, 9).page).toBe(3);
    expect(pageOf([], 1)).toEqual({ lines: [], page: 1, pages: 1 });
  });
});
