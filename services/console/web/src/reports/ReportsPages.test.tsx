// The Reports pages in the app, with fetch faked by route: the daily report's counts, its
// arrivals table and persons narrowed from the URL; the monthly sheet asking for its page and
// putting each letter in its person's row under its day, with the totals, the legend, the CSV
// of the filtered set and the API's reasons beside the filters; trends tabled, a range longer
// than the API takes refused beside its field before asking, and departments compared.

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION } from "../test/session";
import type { MonthlySheet, Trends } from "./contract";

const ADA = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const GRACE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const ALAN = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";

const session = () => json(200, { success: true, data: SESSION });

function dailyReport() {
  const line = (person_id: string, name: string, department: string | null, status: string | null, check_in_time: string | null) => ({
    person_id,
    name,
    department,
    status,
    check_in_time,
    check_out_time: null,
    worked_minutes: null,
    late_minutes: status === "late" ? 17 : 0,
    early_leave_minutes: 0,
  });
  return {
    date: "2026-12-07",
    total_persons: 3,
    present: 2,
    late: 1,
    absent: 0,
    presence_percentage: 66.7,
    by_department: [
      { department: "Engineering", total_persons: 2, present: 2, late: 1, absent: 0, presence_percentage: 100 },
      { department: null, total_persons: 1, present: 0, late: 0, absent: 0, presence_percentage: 0 },
    ],
    persons: [
      line(ADA, "Ada Lovelace", "Engineering", "present", "2026-12-07T08:05:00Z"),
      line(GRACE, "Grace Hopper", "Engineering", "late", "2026-12-07T09:17:00Z"),
      line(ALAN, "Alan Turing", null, null, null),
    ],
  };
}

type CellStatus = MonthlySheet["persons"][number]["cells"][number]["status"];
const cell = (date: string, status: CellStatus, letter: string, worked: number | null = null, late = 0) => ({ date, status, letter, worked_minutes: worked, late_minutes: late });

function monthlySheet(): MonthlySheet {
  const days: MonthlySheet["days"] = [
    { date: "2026-11-01", weekday: 6, kind: "weekend" },
    { date: "2026-11-02", weekday: 0, kind: "working" },
    { date: "2026-11-03", weekday: 1, kind: "holiday" },
    { date: "2026-11-04", weekday: 2, kind: "working" },
  ];
  return {
    year: 2026,
    month: 11,
    from_date: "2026-11-01",
    to_date: "2026-11-30",
    days,
    persons: [
      {
        person_id: ADA,
        name: "Ada Lovelace",
        department: "Engineering",
        cells: [cell("2026-11-01", "weekend", "W"), cell("2026-11-02", "late", "LT", 470, 12), cell("2026-11-03", "holiday", "H"), cell("2026-11-04", "absent", "A")],
        totals: { present: 0, late: 1, early_leave: 0, absent: 1, leave: 0, holiday: 1, weekend: 1, pending: 0, worked_minutes: 470, late_minutes: 12 },
      },
      {
        person_id: GRACE,
        name: "Grace Hopper",
        department: "Engineering",
        cells: [cell("2026-11-01", "weekend", "W"), cell("2026-11-02", "leave", "L"), cell("2026-11-03", "holiday", "H"), cell("2026-11-04", "present", "P", 480)],
        totals: { present: 1, late: 0, early_leave: 0, absent: 0, leave: 1, holiday: 1, weekend: 1, pending: 0, worked_minutes: 480, late_minutes: 0 },
      },
    ],
    day_totals: [
      { date: "2026-11-02", present: 1, late: 1, absent: 0, leave: 1, pending: 0 },
      { date: "2026-11-04", present: 1, late: 0, absent: 1, leave: 0, pending: 0 },
    ],
  };
}

function trends(byDepartment: boolean): Trends {
  const point = (period_start: string, present: number, late: number, absent: number, mean_arrival: string | null) => ({
    period_start,
    period_end: period_start,
    expected: present + absent,
    present,
    late,
    absent,
    presence_percentage: Math.round((present / (present + absent)) * 1000) / 10,
    mean_arrival,
    p90_arrival: mean_arrival === null ? null : "09:20:00",
    mean_worked_minutes: mean_arrival === null ? null : 465,
  });
  const everyone = { department: null, points: [point("2026-12-01", 3, 1, 1, "08:55:00"), point("2026-12-02", 0, 0, 4, null)] };
  if (!byDepartment) return { from_date: "2026-12-01", to_date: "2026-12-02", interval: "day", series: [everyone] };
  return {
    from_date: "2026-12-01",
    to_date: "2026-12-02",
    interval: "day",
    series: [
      { department: "Engineering", points: [point("2026-12-01", 2, 1, 0, "08:50:00"), point("2026-12-02", 0, 0, 2, null)] },
      { department: "Sales", points: [point("2026-12-01", 1, 0, 1, "09:05:00"), point("2026-12-02", 0, 0, 2, null)] },
    ],
  };
}

beforeAll(async () => {
  await Promise.all([import("../pages/DailyReportPage"), import("../pages/MonthlySheetPage"), import("../pages/TrendsPage")]);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the daily report", () => {
  it("shows the day's counts, the arrivals per quarter, and every person's line narrowed by the URL", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/daily") return json(200, { success: true, data: dailyReport() });
      return undefined;
    });
    renderApp("/reports/daily?date=2026-12-07");
    const counts = await screen.findByTestId("daily-counts");
    expect(within(counts).getByText("66.7 %")).toBeTruthy();
    const asked = requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/daily").map((r) => Object.fromEntries(new URL(r.url).searchParams));
    expect(asked[0]).toEqual({ date: "2026-12-07", format: "json" });
    expect(screen.getByTestId("daily-csv").getAttribute("href")).toBe("/api/v1/attendance/reports/daily?date=2026-12-07&format=csv");

    // The arrivals' table holds every quarter between the first and the last hour (local time).
    const rows = within(screen.getByTestId("arrivals-table")).getAllByRole("row").slice(1);
    expect(rows.reduce((sum, row) => sum + Number(row.querySelector("td")?.textContent), 0)).toBe(2);
    expect(screen.getByTestId("arrivals-chart").querySelector(".chart__summary")?.textContent).toMatch(/^2 check-ins from /);

    const persons = screen.getByTestId("daily-persons");
    expect(within(persons).getAllByTestId("daily-person").map((r) => r.getAttribute("data-status"))).toEqual(["present", "late", "no_record"]);
    expect(within(persons).getByText("No record")).toBeTruthy();

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Status"), "late");
    await waitFor(() => expect(within(screen.getByTestId("daily-persons")).getAllByTestId("daily-person")).toHaveLength(1));
    expect(new URLSearchParams(window.location.search).get("status")).toBe("late");

    // One department: its own counts, and its persons only.
    await user.selectOptions(screen.getByLabelText("Department"), "No department");
    await waitFor(() => expect(screen.getByText("Counts: No department")).toBeTruthy());
    expect(new URLSearchParams(window.location.search).get("no_department")).toBe("true");
    expect(screen.getByTestId("arrivals-empty").textContent).toBe("Nobody in No department checked in on this day.");
  });

  it("shows the API's refusal with its code", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/daily") {
        return json(403, { success: false, error: { code: "forbidden", message: "the token lacks attendance:read" } });
      }
      return undefined;
    });
    renderApp("/reports/daily?date=2026-12-07");
    expect((await screen.findByRole("alert")).textContent).toContain("The daily report could not be loaded: The token lacks attendance:read. (forbidden)");
  });
});

describe("the monthly sheet", () => {
  it("asks for its page, puts each letter under its day with the totals, and links the CSV of every filtered person", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/monthly-sheet") {
        return json(200, { success: true, data: monthlySheet(), meta: { page: 2, pageSize: 20, total: 22, totalPages: 2 } });
      }
      return undefined;
    });
    renderApp("/reports/monthly?month=2026-11&department=Engineering&page=2");
    const sheet = await screen.findByTestId("monthly-sheet");
    const asked = requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/monthly-sheet").map((r) => Object.fromEntries(new URL(r.url).searchParams));
    expect(asked[0]).toEqual({ year: "2026", month: "11", page: "2", page_size: "20", department: "Engineering", format: "json" });

    const ada = sheet.querySelector(`[data-testid="sheet-row"][data-person-id="${ADA}"]`);
    const letters = (row: Element | null) => [...(row?.querySelectorAll('[data-testid="sheet-cell"]') ?? [])].map((c) => `${c.getAttribute("data-date")}=${c.querySelector('[aria-hidden="true"]')?.textContent}`);
    expect(letters(ada)).toEqual(["2026-11-01=W", "2026-11-02=LT", "2026-11-03=H", "2026-11-04=A"]);
    expect(letters(sheet.querySelector(`[data-person-id="${GRACE}"]`))).toEqual(["2026-11-01=W", "2026-11-02=L", "2026-11-03=H", "2026-11-04=P"]);
    // Colour and words beside each letter.
    const late = ada?.querySelector('[data-date="2026-11-02"]');
    expect(late?.className).toContain("sheet__cell--late");
    expect(late?.getAttribute("title")).toBe("Mon 2: Late, 12 min late, worked 7:50");
    expect(late?.textContent).toContain("Late");
    expect(ada?.querySelector('[data-total="absent"]')?.textContent).toBe("1");
    expect(ada?.querySelector('[data-total="worked_minutes"]')?.textContent).toContain("7:50");
    // Each day's totals at the bottom, zeros where the API gave none.
    const present = sheet.querySelector('[data-testid="sheet-day-totals"][data-total="present"]');
    expect([...(present?.querySelectorAll("td[data-date]") ?? [])].map((c) => c.textContent)).toEqual(["0", "1", "0", "1"]);

    expect(within(screen.getByTestId("sheet-legend")).getByText("Late")).toBeTruthy();
    expect(screen.getByTestId("sheet-csv").getAttribute("href")).toBe("/api/v1/attendance/reports/monthly-sheet?year=2026&month=11&department=Engineering&format=csv");
    expect(screen.getByRole("navigation", { name: "Pages of persons" }).textContent).toContain("Page 2 of 2");

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /Next month/ }));
    await waitFor(() => expect(new URLSearchParams(window.location.search).get("month")).toBe("2026-12"));
    expect(new URLSearchParams(window.location.search).get("department")).toBe("Engineering");
    expect(new URLSearchParams(window.location.search).get("page")).toBeNull();
  });

  it("shows the API's reasons beside the filter they are about, and the refusal with its code", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/monthly-sheet") {
        return json(400, {
          success: false,
          error: {
            code: "invalid_parameters",
            message: "invalid query parameters",
            details: [{ field: "organization", code: "too_long", message: "must be at most 100 characters" }],
          },
        });
      }
      return undefined;
    });
    renderApp("/reports/monthly?month=2026-11&organization=x");
    expect(await screen.findByText("must be at most 100 characters (too_long)")).toBeTruthy();
    expect(screen.getByLabelText("Organisation").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toContain("(invalid_parameters)");
  });
});

describe("trends", () => {
  it("tables every period's figures and links the CSV of the series", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/trends") return json(200, { success: true, data: trends(false) });
      return undefined;
    });
    renderApp("/reports/trends?from_date=2026-12-01&to_date=2026-12-02");
    const table = await screen.findByTestId("trends-table");
    const asked = requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/trends").map((r) => Object.fromEntries(new URL(r.url).searchParams));
    expect(asked[0]).toEqual({ from_date: "2026-12-01", to_date: "2026-12-02", interval: "day", format: "json" });
    const first = table.querySelector('[data-period="2026-12-01"]');
    expect([...(first?.querySelectorAll("td") ?? [])].map((c) => c.textContent)).toEqual(["4", "3", "1", "1", "75 %", "08:55", "09:20", "7 h 45 min"]);
    const second = table.querySelector('[data-period="2026-12-02"]');
    expect([...(second?.querySelectorAll("td") ?? [])].map((c) => c.textContent)).toEqual(["4", "0", "0", "4", "0 %", "—", "—", "—"]);
    expect(screen.getByTestId("trends-csv").getAttribute("href")).toBe("/api/v1/attendance/reports/trends?from_date=2026-12-01&to_date=2026-12-02&interval=day&format=csv");
    expect(within(screen.getByTestId("trends-summary")).getByText("37.5 %")).toBeTruthy();
    expect(screen.getByTestId("trend-chart-arrival").querySelector(".chart__title")?.textContent).toBe("Arrival time: mean and 90th percentile");
  });

  it("refuses a range longer than 366 days beside its field, without asking", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/trends") return json(200, { success: true, data: trends(false) });
      return undefined;
    });
    renderApp("/reports/trends?from_date=2026-12-01&to_date=2026-12-02");
    await screen.findByTestId("trends-table");
    const user = userEvent.setup();
    const from = screen.getByLabelText("From");
    await user.clear(from);
    await user.type(from, "2025-01-01");
    await user.click(screen.getByRole("button", { name: "Show" }));
    expect(await screen.findByText(/^At most 366 days: this range has 701\.$/)).toBeTruthy();
    expect(screen.getByLabelText("To").getAttribute("aria-invalid")).toBe("true");
    expect(requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/trends")).toHaveLength(1);
  });

  it("compares departments, one table each, and keeps the ones picked", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/trends") return json(200, { success: true, data: trends(url.searchParams.get("by_department") === "true") });
      return undefined;
    });
    renderApp("/reports/trends?from_date=2026-12-01&to_date=2026-12-02&by_department=true");
    await waitFor(() => expect(screen.getAllByTestId("trends-table").map((t) => t.getAttribute("data-series"))).toEqual(["Engineering", "Sales"]));
    expect(new URL(requests.find((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/trends")!.url).searchParams.get("by_department")).toBe("true");
    const user = userEvent.setup();
    await user.click(screen.getByRole("checkbox", { name: "Sales" }));
    await waitFor(() => expect(screen.getAllByTestId("trends-table").map((t) => t.getAttribute("data-series"))).toEqual(["Engineering"]));
    expect(screen.getByTestId("trend-chart-presence").querySelector(".chart__summary")?.textContent).toContain("of Engineering over 2 days");
  });

  it("shows the API's reasons beside the fields and the refusal with its code", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return session();
      if (url.pathname === "/api/v1/attendance/reports/trends") {
        return json(400, {
          success: false,
          error: { code: "invalid_parameters", message: "invalid query parameters", details: [{ field: "to_date", code: "range_too_long", message: "at most 366 days after from_date" }] },
        });
      }
      return undefined;
    });
    renderApp("/reports/trends?from_date=2026-12-01&to_date=2026-12-02");
    expect(await screen.findByText("at most 366 days after from_date (range_too_long)")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("The trends could not be loaded: Invalid query parameters. (invalid_parameters)");
  });
});
