// The Attendance records page keeps its state in its URL (a link or a reload shows the same
// records): the page, its size and the filters attendance-api's list route takes. These read
// the URL, write it back, and turn the state into the route's query and its CSV download's
// address, so the download holds exactly the filtered set the page shows.

import { DEFAULT_PAGE_SIZE, MAX_PAGE, PAGE_SIZES, type PageSize } from "../lib/pagination";

/** The statuses a day record can have (attendance-api's `status` filter). */
export const RECORD_STATUSES = ["present", "late", "early_leave", "absent", "pending"] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const RECORD_STATUS_LABELS: Record<string, string> = {
  present: "Present",
  late: "Late",
  early_leave: "Early leave",
  absent: "Absent",
  pending: "Pending",
};

/** Who marked a record (attendance-api's `source` filter): the cameras or a person by hand. */
export const RECORD_SOURCES = ["auto", "manual"] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

export const RECORD_SOURCE_LABELS: Record<RecordSource, string> = {
  auto: "Cameras",
  manual: "Manual entries",
};

export function statusLabel(status: string): string {
  return RECORD_STATUS_LABELS[status] ?? status.replaceAll("_", " ");
}

export interface RecordsQuery {
  page: number;
  pageSize: PageSize;
  personId: string | undefined;
  /** `YYYY-MM-DD`, inclusive. */
  fromDate: string | undefined;
  /** `YYYY-MM-DD`, inclusive. */
  toDate: string | undefined;
  status: RecordStatus | undefined;
  department: string | undefined;
  source: RecordSource | undefined;
}

export const DEFAULT_RECORDS_QUERY: RecordsQuery = {
  page: 1,
  pageSize: DEFAULT_PAGE_SIZE,
  personId: undefined,
  fromDate: undefined,
  toDate: undefined,
  status: undefined,
  department: undefined,
  source: undefined,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(raw: string): boolean {
  return UUID.test(raw.trim());
}

/** Whether `raw` is a real calendar date written `YYYY-MM-DD` (not 2026-02-30). */
export function isIsoDate(raw: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Reads the URL's query; whatever is missing or malformed takes its default. */
export function parseRecordsQuery(params: URLSearchParams): RecordsQuery {
  const rawPage = params.get("page");
  const page =
    rawPage !== null && /^\d+$/.test(rawPage) ? Math.min(Math.max(Number(rawPage), 1), MAX_PAGE) : 1;
  const rawSize = Number(params.get("page_size"));
  const person = text(params.get("person_id"));
  const from = text(params.get("from_date"));
  const to = text(params.get("to_date"));
  return {
    page,
    pageSize: PAGE_SIZES.find((s) => s === rawSize) ?? DEFAULT_PAGE_SIZE,
    personId: person !== undefined && isUuid(person) ? person.toLowerCase() : undefined,
    fromDate: from !== undefined && isIsoDate(from) ? from : undefined,
    toDate: to !== undefined && isIsoDate(to) ? to : undefined,
    status: RECORD_STATUSES.find((s) => s === params.get("status")),
    department: text(params.get("department")),
    source: RECORD_SOURCES.find((s) => s === params.get("source")),
  };
}

/** The filters alone, with the API's names, in a fixed order: the list's and the CSV's. */
function filterParams(query: RecordsQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.personId !== undefined) params.set("person_id", query.personId);
  if (query.fromDate !== undefined) params.set("from_date", query.fromDate);
  if (query.toDate !== undefined) params.set("to_date", query.toDate);
  if (query.status !== undefined) params.set("status", query.status);
  if (query.department !== undefined) params.set("department", query.department);
  if (query.source !== undefined) params.set("source", query.source);
  return params;
}

/** The page's URL query, without its defaults (so the plain page has a plain URL). */
export function toSearchParams(query: RecordsQuery): URLSearchParams {
  const params = filterParams(query);
  if (query.pageSize !== DEFAULT_PAGE_SIZE) params.set("page_size", String(query.pageSize));
  if (query.page !== 1) params.set("page", String(query.page));
  return params;
}

/**
 * A change to the state. Any change but the page's own goes back to page 1: page 7 of one
 * filter means nothing under another.
 */
export function updateRecordsQuery(query: RecordsQuery, change: Partial<RecordsQuery>): RecordsQuery {
  const next = { ...query, ...change };
  const onlyPage = Object.keys(change).every((k) => k === "page");
  if (!onlyPage) next.page = change.page ?? 1;
  return next;
}

/** The query of `GET /api/v1/attendance` for a page of these records. */
export function toApiQuery(query: RecordsQuery) {
  return {
    page: query.page,
    page_size: query.pageSize,
    person_id: query.personId,
    from_date: query.fromDate,
    to_date: query.toDate,
    status: query.status,
    department: query.department,
    source: query.source,
  };
}

/**
 * The address of the CSV of every record these filters match, through the console (the
 * session cookie goes with a plain link): the API's `format=csv`, never paged.
 */
export function csvHref(query: RecordsQuery): string {
  const params = filterParams(query);
  params.set("format", "csv");
  return `/api/v1/attendance?${params.toString()}`;
}

/** Whether any filter is set. */
export function hasRecordFilters(query: RecordsQuery): boolean {
  return filterParams(query).toString() !== "";
}

/** The filter form's own state, applied to the URL on submit. */
export interface RecordsFilterDraft {
  personId: string | undefined;
  fromDate: string;
  toDate: string;
  status: "" | RecordStatus;
  department: string;
  source: "" | RecordSource;
}

export function draftOf(query: RecordsQuery): RecordsFilterDraft {
  return {
    personId: query.personId,
    fromDate: query.fromDate ?? "",
    toDate: query.toDate ?? "",
    status: query.status ?? "",
    department: query.department ?? "",
    source: query.source ?? "",
  };
}

export type RecordsFilterField = "person_id" | "from_date" | "to_date" | "status" | "department" | "source";

/** attendance-api's bound on a department's name. */
export const DEPARTMENT_MAX = 100;

/**
 * The filters a draft asks for, or the reasons it cannot be applied (named by the API's
 * fields, so the API's own reasons land in the same places).
 */
export function applyDraft(
  draft: RecordsFilterDraft,
): { ok: true; change: Partial<RecordsQuery> } | { ok: false; errors: Partial<Record<RecordsFilterField, string[]>> } {
  const errors: Partial<Record<RecordsFilterField, string[]>> = {};
  const from = draft.fromDate.trim();
  const to = draft.toDate.trim();
  if (from !== "" && !isIsoDate(from)) errors.from_date = ["Enter a date as YYYY-MM-DD."];
  if (to !== "" && !isIsoDate(to)) errors.to_date = ["Enter a date as YYYY-MM-DD."];
  if (errors.from_date === undefined && errors.to_date === undefined && from !== "" && to !== "" && from > to) {
    errors.from_date = ["The first day must not be after the last day."];
  }
  const department = draft.department.trim();
  if ([...department].length > DEPARTMENT_MAX) {
    errors.department = [`At most ${DEPARTMENT_MAX} characters.`];
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    change: {
      personId: draft.personId,
      fromDate: from === "" ? undefined : from,
      toDate: to === "" ? undefined : to,
      status: draft.status === "" ? undefined : draft.status,
      department: department === "" ? undefined : department,
      source: draft.source === "" ? undefined : draft.source,
    },
  };
}
