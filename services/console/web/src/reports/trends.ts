// Trends: the page's state in its URL (date range, day or ISO week, department, comparison of
// departments), checked as attendance-api checks it (at most 366 days, from before to), the
// CSV address, and the series turned into what the charts and the table show: periods written
// for people, times of day as seconds, each chart's lines aligned on the same periods.

import { isIsoDate } from "../attendance/recordsQuery";
import { dateToSeconds, type ChartSpec, type YFormat } from "./chart";
import type { TrendPoint, Trends, TrendSeries, TrendsQuery } from "./contract";
import { shiftDate } from "./daily";

/** attendance-api's bound on a trend's range, inclusive of both ends. */
export const MAX_TREND_DAYS = 366;
/** A department's name, as attendance-api bounds it. */
export const DEPARTMENT_MAX = 100;

export type Interval = "day" | "week";

export interface TrendsState {
  fromDate: string;
  toDate: string;
  interval: Interval;
  department: string | undefined;
  byDepartment: boolean;
}

/** The last 30 days up to `today`, by day, everyone. */
export function defaultTrends(today: string): TrendsState {
  return { fromDate: shiftDate(today, -29), toDate: today, interval: "day", department: undefined, byDepartment: false };
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Days from `from` to `to`, both counted: 2026-12-01 → 2026-12-07 is 7. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateToSeconds(to) - dateToSeconds(from)) / 86_400) + 1;
}

/** Reads the URL; a missing or malformed range is the default one. */
export function parseTrendsState(params: URLSearchParams, today: string): TrendsState {
  const fallback = defaultTrends(today);
  const from = text(params.get("from_date"));
  const to = text(params.get("to_date"));
  const range =
    from !== undefined && to !== undefined && isIsoDate(from) && isIsoDate(to) && from <= to
      ? { fromDate: from, toDate: to }
      : { fromDate: fallback.fromDate, toDate: fallback.toDate };
  return {
    ...range,
    interval: params.get("interval") === "week" ? "week" : "day",
    department: text(params.get("department")),
    byDepartment: params.get("by_department") === "true",
  };
}

export function toTrendsParams(state: TrendsState): URLSearchParams {
  const params = new URLSearchParams();
  params.set("from_date", state.fromDate);
  params.set("to_date", state.toDate);
  if (state.interval !== "day") params.set("interval", state.interval);
  if (state.department !== undefined) params.set("department", state.department);
  if (state.byDepartment) params.set("by_department", "true");
  return params;
}

export function toTrendsApiQuery(state: TrendsState): TrendsQuery {
  const query: TrendsQuery = { from_date: state.fromDate, to_date: state.toDate, interval: state.interval };
  if (state.department !== undefined) query.department = state.department;
  if (state.byDepartment) query.by_department = true;
  return query;
}

/** The CSV of the series these settings ask for, through the console (the API's `format=csv`). */
export function trendsCsvHref(state: TrendsState): string {
  const params = toTrendsParams(state);
  // The route's own spelling of each parameter, the interval always said.
  params.set("interval", state.interval);
  params.set("format", "csv");
  return `/api/v1/attendance/reports/trends?${params.toString()}`;
}

// --- the form ----------------------------------------------------------------------------------

export interface TrendsDraft {
  fromDate: string;
  toDate: string;
  interval: Interval;
  department: string;
  byDepartment: boolean;
}

export type TrendsField = "from_date" | "to_date" | "interval" | "department" | "by_department";

export function draftOfTrends(state: TrendsState): TrendsDraft {
  return { ...state, department: state.department ?? "" };
}

/** The settings a draft asks for, or the reasons against it by the API's field names. */
export function applyTrendsDraft(
  draft: TrendsDraft,
): { ok: true; state: TrendsState } | { ok: false; errors: Partial<Record<TrendsField, string[]>> } {
  const errors: Partial<Record<TrendsField, string[]>> = {};
  const from = draft.fromDate.trim();
  const to = draft.toDate.trim();
  if (!isIsoDate(from)) errors.from_date = ["Enter the first day as YYYY-MM-DD."];
  if (!isIsoDate(to)) errors.to_date = ["Enter the last day as YYYY-MM-DD."];
  if (errors.from_date === undefined && errors.to_date === undefined) {
    if (from > to) errors.from_date = ["The first day must not be after the last day."];
    else if (daysBetween(from, to) > MAX_TREND_DAYS) {
      errors.to_date = [`At most ${MAX_TREND_DAYS} days: this range has ${daysBetween(from, to).toLocaleString()}.`];
    }
  }
  const department = draft.department.trim();
  if ([...department].length > DEPARTMENT_MAX) errors.department = [`At most ${DEPARTMENT_MAX} characters.`];
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    state: {
      fromDate: from,
      toDate: to,
      interval: draft.interval,
      department: department === "" ? undefined : department,
      byDepartment: draft.byDepartment,
    },
  };
}

// --- periods, times and series -----------------------------------------------------------------

/** The ISO week number and its year of a `YYYY-MM-DD` day. */
export function isoWeek(date: string): { year: number; week: number } {
  const day = new Date(`${date}T00:00:00Z`);
  const weekday = (day.getUTCDay() + 6) % 7;
  // The Thursday of the same week decides the year (ISO 8601).
  const thursday = new Date(day.getTime() + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  const firstMonday = firstThursday.getTime() - ((firstThursday.getUTCDay() + 6) % 7) * 86_400_000;
  return { year, week: Math.floor((thursday.getTime() - firstMonday) / (7 * 86_400_000)) + 1 };
}

function dayText(date: string, options: Intl.DateTimeFormatOptions, locale?: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString(locale, { ...options, timeZone: "UTC" });
}

/**
 * A period as people read it: a day `Mon, 7 Dec 2026`; a week `Week 50, 7–13 Dec 2026` (cut
 * to the range at its ends, as the API cuts it).
 */
export function formatPeriod(point: Pick<TrendPoint, "period_start" | "period_end">, interval: string, locale?: string): string {
  if (interval !== "week" || point.period_start === point.period_end) {
    return dayText(point.period_start, { weekday: "short", day: "numeric", month: "short", year: "numeric" }, locale);
  }
  const { week } = isoWeek(point.period_start);
  const sameMonth = point.period_start.slice(0, 7) === point.period_end.slice(0, 7);
  const sameYear = point.period_start.slice(0, 4) === point.period_end.slice(0, 4);
  const start = dayText(point.period_start, sameMonth ? { day: "numeric" } : sameYear ? { day: "numeric", month: "short" } : { day: "numeric", month: "short", year: "numeric" }, locale);
  const end = dayText(point.period_end, { day: "numeric", month: "short", year: "numeric" }, locale);
  return `Week ${week}, ${start}–${end}`;
}

/** `08:57:30` → 32250 seconds after midnight; anything else → null. */
export function parseTimeOfDay(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value.trim());
  if (match === null) return null;
  const [h, m, s] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (h > 23 || m > 59 || s > 59) return null;
  return h * 3600 + m * 60 + s;
}

/** `08:57:30` → `08:57`; none → `—`. */
export function formatTimeOfDay(value: string | null | undefined): string {
  const seconds = parseTimeOfDay(value);
  if (seconds === null) return "—";
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * A series' name: its department, or everyone. Compared departments name persons without a
 * department with an empty one.
 */
export function seriesName(series: Pick<TrendSeries, "department">): string {
  if (series.department === null || series.department === undefined) return "Everyone";
  return series.department === "" ? "No department" : series.department;
}

/** A stable key of a series for the department picker. */
export function seriesKey(series: Pick<TrendSeries, "department">): string {
  return series.department === null || series.department === undefined ? "" : `d:${series.department}`;
}

/** The figures a chart can show, each with how its values are read and written. */
export const METRICS = {
  presence_percentage: { label: "Presence", format: "percent", value: (p: TrendPoint) => p.presence_percentage },
  late: { label: "Late", format: "count", value: (p: TrendPoint) => p.late },
  absent: { label: "Absent", format: "count", value: (p: TrendPoint) => p.absent },
  present: { label: "Present", format: "count", value: (p: TrendPoint) => p.present },
  expected: { label: "Expected", format: "count", value: (p: TrendPoint) => p.expected },
  mean_arrival: { label: "Mean arrival", format: "time-of-day", value: (p: TrendPoint) => parseTimeOfDay(p.mean_arrival) },
  p90_arrival: { label: "90th percentile arrival", format: "time-of-day", value: (p: TrendPoint) => parseTimeOfDay(p.p90_arrival) },
  mean_worked_minutes: { label: "Mean time worked", format: "minutes", value: (p: TrendPoint) => p.mean_worked_minutes ?? null },
} satisfies Record<string, { label: string; format: YFormat; value: (p: TrendPoint) => number | null }>;

export type Metric = keyof typeof METRICS;

/** Every period start of the series, ascending, once: the charts' shared x. */
export function periodStarts(series: readonly TrendSeries[]): string[] {
  const starts = new Set<string>();
  for (const s of series) for (const p of s.points) starts.add(p.period_start);
  return [...starts].sort();
}

/**
 * A chart of the series: one line per (metric, series) pair, aligned on the periods, a gap
 * (null) where a series has no point or the point has no value (nobody arrived, say).
 */
export function trendChart(series: readonly TrendSeries[], metrics: readonly Metric[], yLabel: string): ChartSpec {
  const starts = periodStarts(series);
  const lines = [];
  for (const s of series) {
    const byStart = new Map(s.points.map((p) => [p.period_start, p]));
    for (const metric of metrics) {
      const { label, value } = METRICS[metric];
      const name = series.length > 1 ? (metrics.length > 1 ? `${seriesName(s)}: ${label}` : seriesName(s)) : label;
      lines.push({
        label: name,
        values: starts.map((start) => {
          const point = byStart.get(start);
          return point === undefined ? null : value(point);
        }),
      });
    }
  }
  const first = metrics[0];
  return {
    kind: "lines",
    x: "date",
    xs: starts.map(dateToSeconds),
    series: lines,
    y: first === undefined ? "count" : METRICS[first].format,
    yLabel,
  };
}

/** The series the picker keeps, in the API's order; none kept means all of them. */
export function pickSeries(trends: Trends | undefined, kept: ReadonlySet<string>): TrendSeries[] {
  const all = trends?.series ?? [];
  if (kept.size === 0) return all;
  return all.filter((s) => kept.has(seriesKey(s)));
}

/** Sums over a series' periods, for the summary above the charts. */
export function seriesSummary(series: TrendSeries): { expected: number; present: number; late: number; absent: number; presence: number | null } {
  let expected = 0;
  let present = 0;
  let late = 0;
  let absent = 0;
  for (const p of series.points) {
    expected += p.expected;
    present += p.present;
    late += p.late;
    absent += p.absent;
  }
  return { expected, present, late, absent, presence: expected === 0 ? null : Math.round((present / expected) * 1000) / 10 };
}
