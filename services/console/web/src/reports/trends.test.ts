import { describe, expect, it } from "vitest";
import type { TrendPoint, TrendSeries } from "./contract";
import {
  applyTrendsDraft,
  daysBetween,
  defaultTrends,
  formatPeriod,
  formatTimeOfDay,
  isoWeek,
  parseTimeOfDay,
  parseTrendsState,
  pickSeries,
  seriesName,
  seriesSummary,
  toTrendsApiQuery,
  toTrendsParams,
  trendChart,
  trendsCsvHref,
} from "./trends";

function point(period_start: string, overrides: Partial<TrendPoint> = {}): TrendPoint {
  return {
    period_start,
    period_end: period_start,
    expected: 10,
    present: 8,
    late: 2,
    absent: 2,
    presence_percentage: 80,
    mean_arrival: "08:52:30",
    p90_arrival: "09:14:00",
    mean_worked_minutes: 455,
    ...overrides,
  };
}

describe("the trends' URL and form", () => {
  it("defaults to the last 30 days by day", () => {
    expect(defaultTrends("2026-12-07")).toEqual({ fromDate: "2026-11-08", toDate: "2026-12-07", interval: "day", department: undefined, byDepartment: false });
    expect(daysBetween("2026-11-08", "2026-12-07")).toBe(30);
  });

  it("reads and writes the range, interval, department and comparison", () => {
    const state = parseTrendsState(new URLSearchParams("from_date=2026-01-01&to_date=2026-06-30&interval=week&department=Sales&by_department=true"), "2026-12-07");
    expect(state).toEqual({ fromDate: "2026-01-01", toDate: "2026-06-30", interval: "week", department: "Sales", byDepartment: true });
    expect(toTrendsParams(state).toString()).toBe("from_date=2026-01-01&to_date=2026-06-30&interval=week&department=Sales&by_department=true");
    expect(toTrendsApiQuery(state)).toEqual({ from_date: "2026-01-01", to_date: "2026-06-30", interval: "week", department: "Sales", by_department: true });
  });

  it("takes the default range when the URL's is broken or backwards", () => {
    expect(parseTrendsState(new URLSearchParams("from_date=2026-06-30&to_date=2026-01-01&interval=month"), "2026-12-07")).toMatchObject({
      fromDate: "2026-11-08",
      toDate: "2026-12-07",
      interval: "day",
    });
  });

  it("links the CSV of the same series", () => {
    expect(trendsCsvHref(defaultTrends("2026-12-07"))).toBe("/api/v1/attendance/reports/trends?from_date=2026-11-08&to_date=2026-12-07&interval=day&format=csv");
    expect(trendsCsvHref({ ...defaultTrends("2026-12-07"), interval: "week", byDepartment: true })).toBe(
      "/api/v1/attendance/reports/trends?from_date=2026-11-08&to_date=2026-12-07&interval=week&by_department=true&format=csv",
    );
  });

  it("refuses what the API would: bad dates, a backwards range, more than 366 days, a long department", () => {
    const base = { fromDate: "2026-01-01", toDate: "2026-12-31", interval: "day" as const, department: "", byDepartment: false };
    expect(applyTrendsDraft(base)).toEqual({ ok: true, state: { ...base, department: undefined } });
    // 2024 is a leap year: 2024-01-01 to 2024-12-31 is 366 days, allowed; one more is not.
    expect(applyTrendsDraft({ ...base, fromDate: "2024-01-01", toDate: "2024-12-31" }).ok).toBe(true);
    expect(applyTrendsDraft({ ...base, fromDate: "2024-01-01", toDate: "2025-01-01" })).toEqual({
      ok: false,
      errors: { to_date: ["At most 366 days: this range has 367."] },
    });
    expect(applyTrendsDraft({ ...base, fromDate: "2026-02-30" })).toEqual({ ok: false, errors: { from_date: ["Enter the first day as YYYY-MM-DD."] } });
    expect(applyTrendsDraft({ ...base, fromDate: "2026-12-31", toDate: "2026-01-01" })).toEqual({
      ok: false,
      errors: { from_date: ["The first day must not be after the last day."] },
    });
    expect(applyTrendsDraft({ ...base, department: "x".repeat(101) })).toEqual({ ok: false, errors: { department: ["At most 100 characters."] } });
  });
});

describe("periods and times", () => {
  it("numbers ISO weeks, the year by the week's Thursday", () => {
    expect(isoWeek("2026-12-07")).toEqual({ year: 2026, week: 50 });
    expect(isoWeek("2026-01-01")).toEqual({ year: 2026, week: 1 });
    expect(isoWeek("2027-01-01")).toEqual({ year: 2026, week: 53 });
    expect(isoWeek("2024-12-30")).toEqual({ year: 2025, week: 1 });
  });

  it("writes a day, a week, and a week over two months or years", () => {
    expect(formatPeriod({ period_start: "2026-12-07", period_end: "2026-12-07" }, "day", "en-GB")).toBe("Mon, 7 Dec 2026");
    expect(formatPeriod({ period_start: "2026-12-07", period_end: "2026-12-13" }, "week", "en-GB")).toBe("Week 50, 7–13 Dec 2026");
    expect(formatPeriod({ period_start: "2026-11-30", period_end: "2026-12-06" }, "week", "en-GB")).toBe("Week 49, 30 Nov–6 Dec 2026");
    expect(formatPeriod({ period_start: "2026-12-28", period_end: "2027-01-03" }, "week", "en-GB")).toBe("Week 53, 28 Dec 2026–3 Jan 2027");
  });

  it("reads times of day as seconds and writes them to the minute", () => {
    expect(parseTimeOfDay("08:52:30")).toBe(31950);
    expect(parseTimeOfDay("8:05")).toBe(29100);
    expect(parseTimeOfDay("24:00:00")).toBeNull();
    expect(parseTimeOfDay(null)).toBeNull();
    expect(formatTimeOfDay("08:52:30")).toBe("08:52");
    expect(formatTimeOfDay(undefined)).toBe("—");
  });
});

describe("series to charts", () => {
  const everyone: TrendSeries = { department: null, points: [point("2026-12-01"), point("2026-12-02", { mean_arrival: null, presence_percentage: 50 })] };
  const sales: TrendSeries = { department: "Sales", points: [point("2026-12-02", { late: 5 }), point("2026-12-03", { late: 1 })] };

  it("aligns every series on the union of periods, a gap where one has no point or no value", () => {
    const chart = trendChart([everyone, sales], ["late"], "Late");
    expect(chart.xs).toEqual([Date.UTC(2026, 11, 1) / 1000, Date.UTC(2026, 11, 2) / 1000, Date.UTC(2026, 11, 3) / 1000]);
    expect(chart.series).toEqual([
      { label: "Everyone", values: [2, 2, null] },
      { label: "Sales", values: [null, 5, 1] },
    ]);
    expect(chart).toMatchObject({ kind: "lines", x: "date", y: "count", yLabel: "Late" });
  });

  it("names lines by figure for one series, and reads arrival times as seconds", () => {
    const chart = trendChart([everyone], ["mean_arrival", "p90_arrival"], "Arrival");
    expect(chart.y).toBe("time-of-day");
    expect(chart.series).toEqual([
      { label: "Mean arrival", values: [31950, null] },
      { label: "90th percentile arrival", values: [33240, 33240] },
    ]);
    expect(trendChart([everyone], ["presence_percentage"], "Presence").series[0]?.values).toEqual([80, 50]);
  });

  it("names lines by series and figure when both are many", () => {
    expect(trendChart([everyone, sales], ["late", "absent"], "People").series.map((s) => s.label)).toEqual([
      "Everyone: Late",
      "Everyone: Absent",
      "Sales: Late",
      "Sales: Absent",
    ]);
  });

  it("keeps the picked series, or all when none is picked", () => {
    const trends = { from_date: "2026-12-01", to_date: "2026-12-03", interval: "day" as const, series: [everyone, sales] };
    expect(pickSeries(trends, new Set())).toHaveLength(2);
    expect(pickSeries(trends, new Set(["d:Sales"]))).toEqual([sales]);
    expect(pickSeries(undefined, new Set(["d:Sales"]))).toEqual([]);
  });

  it("names a series by its department, everyone, or persons without one", () => {
    expect(seriesName({ department: null })).toBe("Everyone");
    expect(seriesName({ department: "Sales" })).toBe("Sales");
    expect(seriesName({ department: "" })).toBe("No department");
  });

  it("sums a series for its summary", () => {
    expect(seriesSummary(everyone)).toEqual({ expected: 20, present: 16, late: 4, absent: 4, presence: 80 });
    expect(seriesSummary({ department: null, points: [] }).presence).toBeNull();
  });
});
