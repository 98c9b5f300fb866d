// The monthly sheet (persons × days of a month, as Frappe HRMS's Monthly Attendance Sheet): its
// state in the URL (month, department, organisation, page, page size), the route's query and
// CSV address, and the grid built from the API's answer: each person's cells in the order of
// the month's days, the legend of letters and colours, the totals columns and the day totals.
// Pure, so the grid is tested without a browser.

import { addMonths, formatMonth, monthOf, parseMonth, type Month } from "../attendance/calendar";
import { DEFAULT_PAGE_SIZE, MAX_PAGE, PAGE_SIZES, type PageSize } from "../lib/pagination";
import type { MonthlySheet, MonthlySheetQuery, SheetCell, SheetDay, SheetDayTotals, SheetPerson, SheetTotals } from "./contract";

/** A cell's status, in the legend's order. `none`: the day is not over, or nothing is known. */
export const SHEET_STATUSES = ["present", "late", "early_leave", "absent", "leave", "holiday", "weekend", "pending", "none"] as const;
export type SheetStatus = (typeof SHEET_STATUSES)[number];

export const SHEET_STATUS_LABELS: Record<SheetStatus, string> = {
  present: "Present",
  late: "Late",
  early_leave: "Early leave",
  absent: "Absent",
  leave: "On leave",
  holiday: "Holiday",
  weekend: "Weekend",
  pending: "Pending approval",
  none: "No record yet",
};

/** The letters attendance-api writes (each cell carries its own; these stand in if one is missing). */
export const SHEET_LETTERS: Record<SheetStatus, string> = {
  present: "P",
  late: "LT",
  early_leave: "EL",
  absent: "A",
  leave: "L",
  holiday: "H",
  weekend: "W",
  pending: "PD",
  none: "",
};

export function isSheetStatus(status: string): status is SheetStatus {
  return (SHEET_STATUSES as readonly string[]).includes(status);
}

export function sheetStatusLabel(status: string): string {
  return isSheetStatus(status) ? SHEET_STATUS_LABELS[status] : status.replaceAll("_", " ");
}

/** The CSS modifier of a status: a known one, or `other` (still lettered, never unstyled). */
export function statusClass(status: string): string {
  return isSheetStatus(status) ? status : "other";
}

// --- the page's state --------------------------------------------------------------------------

export interface SheetQuery {
  month: Month;
  department: string | undefined;
  organization: string | undefined;
  page: number;
  pageSize: PageSize;
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Reads the URL; whatever is missing or malformed takes its default (the month of `now`). */
export function parseSheetQuery(params: URLSearchParams, now: Date): SheetQuery {
  const rawPage = params.get("page");
  const rawSize = Number(params.get("page_size"));
  return {
    month: parseMonth(params.get("month"), now),
    department: text(params.get("department")),
    organization: text(params.get("organization")),
    page: rawPage !== null && /^\d+$/.test(rawPage) ? Math.min(Math.max(Number(rawPage), 1), MAX_PAGE) : 1,
    pageSize: PAGE_SIZES.find((s) => s === rawSize) ?? DEFAULT_PAGE_SIZE,
  };
}

/** The URL query of a state, without its defaults but with the month (a link keeps its month). */
export function toSheetParams(query: SheetQuery): URLSearchParams {
  const params = new URLSearchParams();
  params.set("month", formatMonth(query.month));
  if (query.department !== undefined) params.set("department", query.department);
  if (query.organization !== undefined) params.set("organization", query.organization);
  if (query.pageSize !== DEFAULT_PAGE_SIZE) params.set("page_size", String(query.pageSize));
  if (query.page !== 1) params.set("page", String(query.page));
  return params;
}

/** A change to the state; any change but the page's own goes back to page 1. */
export function updateSheetQuery(query: SheetQuery, change: Partial<SheetQuery>): SheetQuery {
  const next = { ...query, ...change };
  if (!Object.keys(change).every((k) => k === "page")) next.page = change.page ?? 1;
  return next;
}

/** The month before or after, the filters kept. */
export function moveMonth(query: SheetQuery, delta: number): SheetQuery {
  return updateSheetQuery(query, { month: addMonths(query.month, delta) });
}

export function isCurrentMonth(query: SheetQuery, now: Date): boolean {
  return formatMonth(query.month) === formatMonth(monthOf(now));
}

/** The route's query for one page of the sheet. */
export function toSheetApiQuery(query: SheetQuery): MonthlySheetQuery {
  const api: MonthlySheetQuery = {
    year: query.month.year,
    month: query.month.month,
    page: query.page,
    page_size: query.pageSize,
  };
  if (query.department !== undefined) api.department = query.department;
  if (query.organization !== undefined) api.organization = query.organization;
  return api;
}

/**
 * The address of the CSV of the whole filtered sheet (every person, not the page) through the
 * console: the API's `format=csv`.
 */
export function sheetCsvHref(query: SheetQuery): string {
  const params = new URLSearchParams();
  params.set("year", String(query.month.year));
  params.set("month", String(query.month.month));
  if (query.department !== undefined) params.set("department", query.department);
  if (query.organization !== undefined) params.set("organization", query.organization);
  params.set("format", "csv");
  return `/api/v1/attendance/reports/monthly-sheet?${params.toString()}`;
}

export function hasSheetFilters(query: SheetQuery): boolean {
  return query.department !== undefined || query.organization !== undefined;
}

// --- the grid ----------------------------------------------------------------------------------

export const WEEKDAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export const WEEKDAY_LONG = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export interface GridColumn {
  date: string;
  /** Day of the month. */
  day: number;
  weekday: string;
  weekdayLong: string;
  kind: string;
}

export interface GridCell {
  date: string;
  status: string;
  letter: string;
  label: string;
  workedMinutes: number | null;
  lateMinutes: number;
}

export interface GridRow {
  personId: string;
  name: string;
  department: string | null;
  cells: GridCell[];
  totals: SheetTotals;
}

export interface Grid {
  columns: GridColumn[];
  rows: GridRow[];
  /** Per day, in the columns' order; zeros for a day the API gave no totals for. */
  dayTotals: SheetDayTotals[];
}

function column(day: SheetDay): GridColumn {
  const weekday = Math.min(Math.max(Math.trunc(day.weekday), 0), 6);
  return {
    date: day.date,
    day: Number(day.date.slice(8, 10)),
    weekday: WEEKDAY_SHORT[weekday] ?? "",
    weekdayLong: WEEKDAY_LONG[weekday] ?? "",
    kind: day.kind,
  };
}

function gridCell(date: string, cell: SheetCell | undefined): GridCell {
  const status = cell?.status ?? "none";
  const letter = cell !== undefined && cell.letter !== "" ? cell.letter : isSheetStatus(status) ? SHEET_LETTERS[status] : "?";
  return {
    date,
    status,
    letter,
    label: sheetStatusLabel(status),
    workedMinutes: cell?.worked_minutes ?? null,
    lateMinutes: cell?.late_minutes ?? 0,
  };
}

function row(person: SheetPerson, columns: readonly GridColumn[]): GridRow {
  const byDate = new Map(person.cells.map((c) => [c.date, c]));
  return {
    personId: person.person_id,
    name: person.name,
    department: person.department ?? null,
    // Each column gets its cell by date: a cell the API left out is "nothing known", never
    // a neighbour's cell shifted into the wrong day.
    cells: columns.map((c) => gridCell(c.date, byDate.get(c.date))),
    totals: person.totals,
  };
}

export function buildGrid(sheet: MonthlySheet): Grid {
  const columns = sheet.days.map(column);
  const totalsByDate = new Map(sheet.day_totals.map((t) => [t.date, t]));
  return {
    columns,
    rows: sheet.persons.map((p) => row(p, columns)),
    dayTotals: columns.map((c) => totalsByDate.get(c.date) ?? { date: c.date, present: 0, late: 0, absent: 0, leave: 0, pending: 0 }),
  };
}

export interface LegendItem {
  status: string;
  letter: string;
  label: string;
}

/**
 * The legend: every status in its fixed order with the letter the sheet uses for it (the
 * API's own, where a cell shows it), and any status the API sent that this console does not
 * know yet, so no letter on the sheet goes unexplained.
 */
export function legendItems(sheet?: MonthlySheet): LegendItem[] {
  const seen = new Map<string, string>();
  for (const person of sheet?.persons ?? []) {
    for (const cell of person.cells) {
      if (!seen.has(cell.status) || seen.get(cell.status) === "") seen.set(cell.status, cell.letter);
    }
  }
  const known = SHEET_STATUSES.map((status) => ({
    status,
    letter: seen.get(status) || SHEET_LETTERS[status],
    label: SHEET_STATUS_LABELS[status],
  }));
  const unknown = [...seen.entries()]
    .filter(([status]) => !isSheetStatus(status))
    .map(([status, letter]) => ({ status, letter: letter || "?", label: sheetStatusLabel(status) }));
  return [...known, ...unknown];
}

/** The totals columns on the right of each person's row, in order. */
export const TOTAL_COLUMNS: readonly { key: keyof SheetTotals; label: string; short: string }[] = [
  { key: "present", label: "Present", short: "P" },
  { key: "late", label: "Late", short: "LT" },
  { key: "early_leave", label: "Early leave", short: "EL" },
  { key: "absent", label: "Absent", short: "A" },
  { key: "leave", label: "On leave", short: "L" },
  { key: "holiday", label: "Holidays", short: "H" },
  { key: "pending", label: "Pending approval", short: "PD" },
  { key: "worked_minutes", label: "Hours worked", short: "Worked" },
  { key: "late_minutes", label: "Minutes late", short: "Late min" },
];

/** The day totals rows at the bottom, in order. */
export const DAY_TOTAL_ROWS: readonly { key: keyof Omit<SheetDayTotals, "date">; label: string }[] = [
  { key: "present", label: "Present" },
  { key: "late", label: "Late" },
  { key: "absent", label: "Absent" },
  { key: "leave", label: "On leave" },
  { key: "pending", label: "Pending approval" },
];

/** A cell's tooltip and spoken text: "Mon 7: Late, 12 min late, worked 7:48". */
export function cellDescription(cell: GridCell, column: GridColumn): string {
  const parts = [cell.label];
  if (cell.lateMinutes > 0) parts.push(`${cell.lateMinutes} min late`);
  if (cell.workedMinutes !== null) {
    const m = Math.max(0, Math.round(cell.workedMinutes));
    parts.push(`worked ${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`);
  }
  return `${column.weekday} ${column.day}: ${parts.join(", ")}`;
}
