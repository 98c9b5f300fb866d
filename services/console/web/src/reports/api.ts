// attendance-api's reports through the console: the daily report with every person's line,
// the monthly sheet (persons × days, paginated by person) and the trends, each a TanStack
// Query under one key so a change of attendance elsewhere can refresh them all.

import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { attendanceApi, call } from "../api/client";
import type { components } from "../api/attendance-api";
import type { MonthlySheet, MonthlySheetQuery, PageMeta, Trends, TrendsQuery } from "./contract";

export type DailyReport = components["schemas"]["DailyReport"];
export type DailyPersonRow = components["schemas"]["DailyPersonRow"];
export type { MonthlySheet, PageMeta, Trends };

export const reportKeys = {
  all: ["attendance", "reports"] as const,
  daily: (date: string) => [...reportKeys.all, "daily", date] as const,
  sheet: (query: MonthlySheetQuery) => [...reportKeys.all, "monthly-sheet", query] as const,
  trends: (query: TrendsQuery) => [...reportKeys.all, "trends", query] as const,
};

/** The report routes answer CSV too (`format=csv`): asked for JSON, text is a broken answer. */
function json<T>(body: T | string, what: string): T {
  if (typeof body === "string") throw new Error(`the ${what} came back as text, not JSON`);
  return body;
}

export function dailyReportQuery(date: string) {
  return queryOptions({
    queryKey: reportKeys.daily(date),
    queryFn: async ({ signal }): Promise<DailyReport> => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/reports/daily", {
          params: { query: { date, format: "json" } },
          signal,
        }),
      );
      return json(body, "daily report").data;
    },
    placeholderData: keepPreviousData,
  });
}

export interface SheetPage {
  sheet: MonthlySheet;
  meta: PageMeta;
}

export function monthlySheetQuery(query: MonthlySheetQuery) {
  return queryOptions({
    queryKey: reportKeys.sheet(query),
    queryFn: async ({ signal }): Promise<SheetPage> => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/reports/monthly-sheet", {
          params: { query: { ...query, format: "json" } },
          signal,
        }),
      );
      const envelope = json(body, "monthly sheet");
      return { sheet: envelope.data, meta: envelope.meta };
    },
    placeholderData: keepPreviousData,
  });
}

export function trendsQuery(query: TrendsQuery) {
  return queryOptions({
    queryKey: reportKeys.trends(query),
    queryFn: async ({ signal }): Promise<Trends> => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/reports/trends", {
          params: { query: { ...query, format: "json" } },
          signal,
        }),
      );
      return json(body, "trends").data;
    },
    placeholderData: keepPreviousData,
  });
}
