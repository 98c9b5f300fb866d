// The system page's data: the console's `/console/api/v1/system` (admins) and `/system/status`
// (every operator, for the banner), and attendance-worker's job runs through attendance-api
// (`/api/v1/attendance/jobs/*`, forwarded by the console).

import { queryOptions } from "@tanstack/react-query";
import { attendanceApi, call, consoleApi } from "../api/client";
import type { components as AttendanceComponents } from "../api/attendance-api";
import type { components } from "../api/console";

export type SystemReport = components["schemas"]["SystemReport"];
export type SystemStatus = components["schemas"]["SystemStatus"];
export type ServiceHealth = components["schemas"]["ServiceHealth"];
export type ConsumerLag = components["schemas"]["ConsumerLag"];
export type DeadLetter = components["schemas"]["DeadLetter"];
export type NotReady = components["schemas"]["NotReady"];
export type JobRun = AttendanceComponents["schemas"]["JobRunResponse"];

/** How often every page asks whether everything is ready (the console caches its probes). */
export const STATUS_POLL_MS = 30_000;

export const systemKeys = {
  all: ["system"] as const,
  report: () => [...systemKeys.all, "report"] as const,
  status: () => [...systemKeys.all, "status"] as const,
  runs: () => [...systemKeys.all, "job-runs"] as const,
};

export function systemQuery() {
  return queryOptions({
    queryKey: systemKeys.report(),
    queryFn: async ({ signal }) => (await call(consoleApi.GET("/console/api/v1/system", { signal }))).data,
  });
}

export function systemStatusQuery() {
  return queryOptions({
    queryKey: systemKeys.status(),
    queryFn: async ({ signal }) => (await call(consoleApi.GET("/console/api/v1/system/status", { signal }))).data,
  });
}

/** The newest job runs, every job's. */
export function jobRunsQuery(limit = 30) {
  return queryOptions({
    queryKey: [...systemKeys.runs(), limit] as const,
    queryFn: async ({ signal }) =>
      (await call(attendanceApi.GET("/api/v1/attendance/jobs/runs", { params: { query: { limit } }, signal }))).data,
  });
}

/** The jobs an operator may run now, with their defaults (README, attendance-worker's jobs). */
export const JOBS = {
  reconcile: "Recomputes the days of detections received in the last 5 minutes.",
  daily_report: "Today's report: marks absences for a day that is over, stores the report, delivers it.",
  monthly_report: "Last month's report: stores it and delivers it.",
  notifications: "Today's late arrivals and absences, each told once.",
  cleanup: "Deletes day records, detections, review items, finished runs and reports older than the retention (the audit log stays).",
} as const;
export type JobName = keyof typeof JOBS;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** Asks for a run of `job` with its defaults; the worker picks it up within seconds. */
export async function requestRun(job: JobName): Promise<JobRun> {
  switch (job) {
    case "reconcile":
      return (await call(attendanceApi.POST("/api/v1/attendance/jobs/reconcile/runs", {}))).data;
    case "daily_report":
      return (await call(attendanceApi.POST("/api/v1/attendance/jobs/daily_report/runs", {}))).data;
    case "monthly_report":
      return (await call(attendanceApi.POST("/api/v1/attendance/jobs/monthly_report/runs", {}))).data;
    case "notifications":
      return (await call(attendanceApi.POST("/api/v1/attendance/jobs/notifications/runs", {}))).data;
    case "cleanup":
      return (await call(attendanceApi.POST("/api/v1/attendance/jobs/cleanup/runs", {}))).data;
  }
}
