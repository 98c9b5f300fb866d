// attendance-api's trends route, typed by hand from the shape agreed for it (issue 18,
// "Reports and trends") in the shape openapi-typescript gives, for the openapi-fetch client in
// api.ts; src/api/attendance-api.d.ts does not have it yet. Once `make console-openapi`
// regenerates it from the service, the hand-written part goes and api.ts takes the generated
// `paths` and `components` instead (where a shape differs, the generated one wins). The
// monthly sheet's shapes are the generated ones already, named here for the Reports code.

import type { components, operations } from "../api/attendance-api";

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

/** The monthly sheet's shapes, from the generated types. */
export type SheetDay = components["schemas"]["SheetDay"];
export type SheetCell = components["schemas"]["SheetCell"];
export type SheetTotals = components["schemas"]["SheetTotals"];
export type SheetPerson = components["schemas"]["SheetPersonRow"];
export type SheetDayTotals = components["schemas"]["DayTotals"];
export type MonthlySheet = components["schemas"]["MonthlySheet"];
export type MonthlySheetQuery = operations["monthly_sheet"]["parameters"]["query"];

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

export interface TrendsQuery {
  from_date: string;
  to_date: string;
  interval?: "day" | "week";
  department?: string;
  by_department?: boolean;
  format?: "json" | "csv";
}

export interface paths {
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
