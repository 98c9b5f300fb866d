// attendance-api's monthly-sheet and trends routes, typed by hand from the shapes agreed for
// them (issue 18, "Reports and trends") in the shape openapi-typescript gives, for the
// openapi-fetch client in api.ts. src/api/attendance-api.d.ts does not have them yet: once
// `make console-openapi` regenerates it from the service, this file goes and api.ts takes the
// generated `paths` and `components` instead (where a shape differs, the generated one wins).

type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
/** A report route's 200: its JSON envelope, or with `format=csv` the CSV. */
type JsonOrCsv<T> = { headers: { [name: string]: unknown }; content: { "application/json": T; "text/csv": string } };
type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
type Others = { put?: never; post?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

interface ErrorEnvelope {
  success: boolean;
  error: { code: string; message: string; details?: { field: string; code: string; message: string }[] };
}

export interface PageMeta {
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

/** A day of the month: `weekday` 0 = Monday; `kind` what the calendar makes of it for everyone. */
export interface SheetDay {
  date: string;
  weekday: number;
  kind: "working" | "weekend" | "holiday" | string;
}

/**
 * One person's day: `status` present, late, early_leave, absent, leave, holiday, weekend,
 * pending, or none (a day not over yet, or nothing known); `letter` the sheet's letter for it
 * (P, LT, EL, A, L, H, W, PD, or empty).
 */
export interface SheetCell {
  date: string;
  status: string;
  letter: string;
  worked_minutes?: number | null;
  late_minutes: number;
}

export interface SheetTotals {
  present: number;
  late: number;
  early_leave: number;
  absent: number;
  leave: number;
  holiday: number;
  weekend: number;
  worked_minutes: number;
  late_minutes: number;
}

export interface SheetPerson {
  person_id: string;
  name: string;
  department?: string | null;
  cells: SheetCell[];
  totals: SheetTotals;
}

/** How many of the page's persons were present, late, absent or on leave on a day. */
export interface SheetDayTotals {
  date: string;
  present: number;
  late: number;
  absent: number;
  leave: number;
}

export interface MonthlySheet {
  year: number;
  month: number;
  days: SheetDay[];
  persons: SheetPerson[];
  day_totals: SheetDayTotals[];
}

/** One period (a day, or an ISO week) of a trend. Times of day are the site's, `HH:MM:SS`. */
export interface TrendPoint {
  period_start: string;
  period_end: string;
  expected: number;
  present: number;
  late: number;
  absent: number;
  presence_percentage: number;
  mean_arrival?: string | null;
  p90_arrival?: string | null;
  mean_worked_minutes?: number | null;
}

/** A trend of everyone (`department` null) or of one department. */
export interface TrendSeries {
  department?: string | null;
  points: TrendPoint[];
}

export interface Trends {
  from_date: string;
  to_date: string;
  interval: "day" | "week" | string;
  series: TrendSeries[];
}

export interface MonthlySheetQuery {
  year: number;
  month: number;
  department?: string;
  organization?: string;
  page?: number;
  page_size?: number;
  format?: "json" | "csv";
}

export interface TrendsQuery {
  from_date: string;
  to_date: string;
  interval?: "day" | "week";
  department?: string;
  by_department?: boolean;
  format?: "json" | "csv";
}

export interface paths {
  "/api/v1/attendance/reports/monthly-sheet": {
    parameters: NoParameters;
    get: {
      parameters: { query: MonthlySheetQuery; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: {
        200: JsonOrCsv<{ success: boolean; data: MonthlySheet; meta: PageMeta }>;
        400: Json<ErrorEnvelope>;
        401: Json<ErrorEnvelope>;
        403: Json<ErrorEnvelope>;
      };
    };
  } & Others;
  "/api/v1/attendance/reports/trends": {
    parameters: NoParameters;
    get: {
      parameters: { query: TrendsQuery; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: {
        200: JsonOrCsv<{ success: boolean; data: Trends }>;
        400: Json<ErrorEnvelope>;
        401: Json<ErrorEnvelope>;
        403: Json<ErrorEnvelope>;
      };
    };
  } & Others;
}
