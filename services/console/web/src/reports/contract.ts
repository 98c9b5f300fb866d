// The shapes of attendance-api's reports the Reports code uses, named once from the types
// generated from the service's OpenAPI document (src/api/attendance-api.d.ts).

import type { components, operations } from "../api/attendance-api";

type Schemas = components["schemas"];

export type PageMeta = Schemas["PageMeta"];

export type SheetDay = Schemas["SheetDay"];
export type SheetCell = Schemas["SheetCell"];
export type SheetTotals = Schemas["SheetTotals"];
export type SheetPerson = Schemas["SheetPersonRow"];
export type SheetDayTotals = Schemas["DayTotals"];
export type MonthlySheet = Schemas["MonthlySheet"];
export type MonthlySheetQuery = operations["monthly_sheet"]["parameters"]["query"];

/** One period (a day, or an ISO week) of a trend; times of day are the site's, `HH:MM:SS`. */
export type TrendPoint = Schemas["TrendPoint"];
/** A trend of everyone, of the one department asked for, or (compared) of one department. */
export type TrendSeries = Schemas["TrendSeries"];
export type Trends = Schemas["Trends"];
export type TrendsQuery = NonNullable<operations["trends"]["parameters"]["query"]>;
