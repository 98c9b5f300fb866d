import { describe, expect, it } from "vitest";
import type { MonthlySheet } from "./contract";
import {
  buildGrid,
  cellDescription,
  isCurrentMonth,
  legendItems,
  moveMonth,
  parseSheetQuery,
  sheetCsvHref,
  statusClass,
  toSheetApiQuery,
  toSheetParams,
  updateSheetQuery,
} from "./sheet";

const totals = { present: 1, late: 1, early_leave: 0, absent: 0, leave: 1, holiday: 0, weekend: 0, pending: 0, worked_minutes: 930, late_minutes: 12 };

function sheet(overrides: Partial<MonthlySheet> = {}): MonthlySheet {
  return {
    year: 2026,
    month: 2,
    from_date: "2026-02-01",
    to_date: "2026-02-28",
    days: [
      { date: "2026-02-01", weekday: 6, kind: "weekend" },
      { date: "2026-02-02", weekday: 0, kind: "working" },
      { date: "2026-02-03", weekday: 1, kind: "working" },
      { date: "2026-02-04", weekday: 2, kind: "holiday" },
    ],
    persons: [
      {
        person_id: "p1",
        name: "Ada Lovelace",
        department: "Engineering",
        // Out of order, and the 4th missing: each lands on its own day.
        cells: [
          { date: "2026-02-03", status: "late", letter: "LT", worked_minutes: 468, late_minutes: 12 },
          { date: "2026-02-01", status: "weekend", letter: "W", worked_minutes: null, late_minutes: 0 },
          { date: "2026-02-02", status: "present", letter: "P", worked_minutes: 462, late_minutes: 0 },
        ],
        totals,
      },
      {
        person_id: "p2",
        name: "Grace Hopper",
        department: null,
        cells: [
          { date: "2026-02-01", status: "weekend", letter: "W", late_minutes: 0 },
          { date: "2026-02-02", status: "leave", letter: "L", late_minutes: 0 },
          { date: "2026-02-03", status: "none", letter: "", late_minutes: 0 },
          // A status this console does not know yet (the API's enum grew): still lettered.
          { date: "2026-02-04", status: "sick" as "none", letter: "S", late_minutes: 0 },
        ],
        totals: { ...totals, leave: 1 },
      },
    ],
    day_totals: [
      { date: "2026-02-02", present: 1, late: 0, absent: 0, leave: 1, pending: 0 },
      { date: "2026-02-03", present: 1, late: 1, absent: 0, leave: 0, pending: 0 },
    ],
    ...overrides,
  };
}

describe("the sheet's URL", () => {
  const now = new Date(2026, 11, 7);

  it("reads the month, filters and page, and writes them back with the month always", () => {
    const query = parseSheetQuery(new URLSearchParams("month=2026-02&department=Engineering&organization=Acme&page=3&page_size=50"), now);
    expect(query).toEqual({ month: { year: 2026, month: 2 }, department: "Engineering", organization: "Acme", page: 3, pageSize: 50 });
    expect(toSheetParams(query).toString()).toBe("month=2026-02&department=Engineering&organization=Acme&page_size=50&page=3");
    expect(toSheetParams(parseSheetQuery(new URLSearchParams(""), now)).toString()).toBe("month=2026-12");
  });

  it("takes this month and the defaults for what is wrong", () => {
    expect(parseSheetQuery(new URLSearchParams("month=2026-13&page=0&page_size=7"), now)).toEqual({
      month: { year: 2026, month: 12 },
      department: undefined,
      organization: undefined,
      page: 1,
      pageSize: 20,
    });
  });

  it("moves by month across a year, keeping the filters and going back to page 1", () => {
    const query = parseSheetQuery(new URLSearchParams("month=2026-12&department=Sales&page=4"), now);
    const next = moveMonth(query, 1);
    expect(next).toMatchObject({ month: { year: 2027, month: 1 }, department: "Sales", page: 1 });
    expect(moveMonth(query, -12).month).toEqual({ year: 2025, month: 12 });
    expect(isCurrentMonth(query, now)).toBe(true);
    expect(isCurrentMonth(next, now)).toBe(false);
    expect(updateSheetQuery(query, { page: 5 }).page).toBe(5);
  });

  it("asks the route for one page and links the CSV of every filtered person", () => {
    const query = parseSheetQuery(new URLSearchParams("month=2026-02&department=R&D&organization=Acme Ltd&page=2"), now);
    expect(toSheetApiQuery(query)).toEqual({ year: 2026, month: 2, page: 2, page_size: 20, department: "R", organization: "Acme Ltd" });
    expect(sheetCsvHref(query)).toBe("/api/v1/attendance/reports/monthly-sheet?year=2026&month=2&department=R&organization=Acme+Ltd&format=csv");
    expect(sheetCsvHref(parseSheetQuery(new URLSearchParams("month=2026-02&page=9"), now))).toBe(
      "/api/v1/attendance/reports/monthly-sheet?year=2026&month=2&format=csv",
    );
  });
});

describe("the grid", () => {
  it("puts each cell under its own day, whatever order the API sent them in", () => {
    const grid = buildGrid(sheet());
    expect(grid.columns.map((c) => [c.day, c.weekday, c.kind])).toEqual([
      [1, "Sun", "weekend"],
      [2, "Mon", "working"],
      [3, "Tue", "working"],
      [4, "Wed", "holiday"],
    ]);
    const ada = grid.rows[0];
    expect(ada?.cells.map((c) => c.letter)).toEqual(["W", "P", "LT", ""]);
    expect(ada?.cells.map((c) => c.status)).toEqual(["weekend", "present", "late", "none"]);
    expect(ada?.cells[2]).toMatchObject({ label: "Late", workedMinutes: 468, lateMinutes: 12 });
    expect(grid.rows[1]?.cells.map((c) => c.letter)).toEqual(["W", "L", "", "S"]);
    expect(grid.rows[1]?.department).toBeNull();
  });

  it("gives every day its totals, zeros where the API gave none", () => {
    const grid = buildGrid(sheet());
    expect(grid.dayTotals.map((t) => [t.date, t.present, t.late, t.absent, t.leave])).toEqual([
      ["2026-02-01", 0, 0, 0, 0],
      ["2026-02-02", 1, 0, 0, 1],
      ["2026-02-03", 1, 1, 0, 0],
      ["2026-02-04", 0, 0, 0, 0],
    ]);
  });

  it("describes a cell in words for its tooltip and screen readers", () => {
    const grid = buildGrid(sheet());
    const column = grid.columns[2];
    const cell = grid.rows[0]?.cells[2];
    if (column === undefined || cell === undefined) throw new Error("no cell");
    expect(cellDescription(cell, column)).toBe("Tue 3: Late, 12 min late, worked 7:48");
  });

  it("styles unknown statuses as `other`, never unstyled", () => {
    expect(statusClass("early_leave")).toBe("early_leave");
    expect(statusClass("sick")).toBe("other");
  });
});

describe("the legend", () => {
  it("lists every status with its letter, in order, and explains letters the console does not know", () => {
    const items = legendItems(sheet());
    expect(items.map((i) => `${i.letter} ${i.label}`)).toEqual([
      "P Present",
      "LT Late",
      "EL Early leave",
      "A Absent",
      "L On leave",
      "H Holiday",
      "W Weekend",
      "PD Pending approval",
      " No record yet",
      "S sick",
    ]);
  });

  it("takes the API's letter for a status when its cells say another", () => {
    const items = legendItems(
      sheet({ persons: [{ person_id: "p", name: "X", cells: [{ date: "2026-02-02", status: "present", letter: "✓", late_minutes: 0 }], totals }] }),
    );
    expect(items.find((i) => i.status === "present")?.letter).toBe("✓");
    expect(legendItems().find((i) => i.status === "late")?.letter).toBe("LT");
  });
});
