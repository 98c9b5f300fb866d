// The daily report page's state, kept in its URL (a link or a reload shows the same day and
// the same people): the date, and the department, status, name and page that narrow the
// persons' lines. attendance-api answers the whole day in one report (every person's line),
// so the narrowing happens here, over what it answered; the CSV is the API's own export.

import { isIsoDate } from "../attendance/recordsQuery";

/** The persons' lines shown per page: a day of 10,000 persons stays quick to draw. */
export const DAILY_PAGE_SIZE = 50;

/** What a person's line can say: a record's status, or no record at all. */
export const DAILY_STATUSES = ["present", "late", "early_leave", "absent", "pending", "no_record"] as const;
export type DailyStatusFilter = (typeof DAILY_STATUSES)[number];

export const DAILY_STATUS_LABELS: Record<DailyStatusFilter, string> = {
  present: "Present",
  late: "Late",
  early_leave: "Early leave",
  absent: "Absent",
  pending: "Pending",
  no_record: "No record",
};

/** Which department: everyone, persons without one, or one by name. */
export type DepartmentChoice = { kind: "all" } | { kind: "none" } | { kind: "named"; name: string };

export interface DailyQuery {
  /** `YYYY-MM-DD`. */
  date: string;
  department: DepartmentChoice;
  status: DailyStatusFilter | undefined;
  /** Part of a name, any case. */
  q: string | undefined;
  page: number;
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Reads the URL; whatever is missing or malformed takes its default (`today` for the date). */
export function parseDailyQuery(params: URLSearchParams, today: string): DailyQuery {
  const date = text(params.get("date"));
  const named = text(params.get("department"));
  const rawPage = params.get("page");
  return {
    date: date !== undefined && isIsoDate(date) ? date : today,
    department:
      params.get("no_department") === "true" ? { kind: "none" } : named !== undefined ? { kind: "named", name: named } : { kind: "all" },
    status: DAILY_STATUSES.find((s) => s === params.get("status")),
    q: text(params.get("q")),
    page: rawPage !== null && /^\d+$/.test(rawPage) ? Math.max(Number(rawPage), 1) : 1,
  };
}

/** The URL query of a state, without its defaults; the date always (a link keeps its day). */
export function toDailyParams(query: DailyQuery): URLSearchParams {
  const params = new URLSearchParams();
  params.set("date", query.date);
  if (query.department.kind === "none") params.set("no_department", "true");
  if (query.department.kind === "named") params.set("department", query.department.name);
  if (query.status !== undefined) params.set("status", query.status);
  if (query.q !== undefined) params.set("q", query.q);
  if (query.page !== 1) params.set("page", String(query.page));
  return params;
}

/** A change to the state; any change but the page's own goes back to page 1. */
export function updateDailyQuery(query: DailyQuery, change: Partial<DailyQuery>): DailyQuery {
  const next = { ...query, ...change };
  if (!Object.keys(change).every((k) => k === "page")) next.page = change.page ?? 1;
  return next;
}

/** The address of the day's CSV (one row per person) through the console. */
export function dailyCsvHref(date: string): string {
  return `/api/v1/attendance/reports/daily?${new URLSearchParams({ date, format: "csv" }).toString()}`;
}

/** `date` moved by whole days, on the calendar (no clock, so no daylight-saving surprises). */
export function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  const moved = new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, (d ?? 1) + days));
  return moved.toISOString().slice(0, 10);
}

/** The select's value for a department choice, and back: "" everyone, "\u0000" no department. */
const NO_DEPARTMENT = "\u0000";

export function departmentValue(choice: DepartmentChoice): string {
  return choice.kind === "all" ? "" : choice.kind === "none" ? NO_DEPARTMENT : choice.name;
}

export function departmentChoice(value: string): DepartmentChoice {
  return value === "" ? { kind: "all" } : value === NO_DEPARTMENT ? { kind: "none" } : { kind: "named", name: value };
}

export function inDepartment(department: string | null | undefined, choice: DepartmentChoice): boolean {
  if (choice.kind === "all") return true;
  if (choice.kind === "none") return department === null || department === undefined;
  return department === choice.name;
}

/** What the persons' lines need for narrowing (attendance-api's `DailyPersonRow`). */
export interface DailyLineLike {
  name: string;
  department?: string | null;
  status?: string | null;
}

export function lineStatus(line: DailyLineLike): DailyStatusFilter | string {
  return line.status === null || line.status === undefined ? "no_record" : line.status;
}

/** The lines the state asks for, in the report's order (department, then name). */
export function narrowLines<L extends DailyLineLike>(lines: readonly L[], query: Pick<DailyQuery, "department" | "status" | "q">): L[] {
  const needle = query.q?.toLocaleLowerCase();
  return lines.filter(
    (line) =>
      inDepartment(line.department, query.department) &&
      (query.status === undefined || lineStatus(line) === query.status) &&
      (needle === undefined || line.name.toLocaleLowerCase().includes(needle)),
  );
}

/** One page of `lines` (1-based), and how many pages there are (at least 1). */
export function pageOf<L>(lines: readonly L[], page: number, size: number = DAILY_PAGE_SIZE): { lines: L[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(lines.length / size));
  const current = Math.min(Math.max(page, 1), pages);
  return { lines: lines.slice((current - 1) * size, current * size), page: current, pages };
}
