// attendance-api through the console: the queries and mutations of the Attendance pages and
// of a person's month, with the query keys that tell TanStack Query what a decision changes.

import { keepPreviousData, queryOptions, type QueryClient } from "@tanstack/react-query";
import { attendanceApi, call, consoleApi } from "../api/client";
import type { components } from "../api/attendance-api";
import type { Session } from "../auth/session";
import { can } from "../auth/session";
import { toApiQuery, type RecordsQuery } from "./recordsQuery";

export type AttendanceRecord = components["schemas"]["AttendanceResponse"];
export type PageMeta = components["schemas"]["PageMeta"];
export type PersonStatistics = components["schemas"]["PersonStatistics"];
export type CheckInResult = components["schemas"]["CheckInResponse"];
export type CheckOutResult = components["schemas"]["CheckOutResponse"];
export type CorrectionResult = components["schemas"]["CorrectionResponse"];
export type CorrectionBody = components["schemas"]["CorrectionRequest"];
export type RecordDetail = components["schemas"]["RecordDetailResponse"];
export type RecordWithEvidence = components["schemas"]["RecordResponse"];
export type Sighting = components["schemas"]["DetectionResponse"];
export type HistoryEntry = components["schemas"]["HistoryEntry"];
export type ReviewItem = components["schemas"]["ReviewItemResponse"];

export const attendanceKeys = {
  all: ["attendance"] as const,
  lists: () => [...attendanceKeys.all, "records"] as const,
  list: (query: RecordsQuery) => [...attendanceKeys.lists(), query] as const,
  personMonth: (personId: string, from: string, to: string) => [...attendanceKeys.lists(), "person", personId, from, to] as const,
  statistics: (personId: string, from: string, to: string) => [...attendanceKeys.all, "statistics", personId, from, to] as const,
  record: (attendanceId: string) => [...attendanceKeys.all, "record", attendanceId] as const,
  operatorNames: ["console", "operator-names"] as const,
};

export interface RecordPage {
  records: AttendanceRecord[];
  meta: PageMeta;
  /** `meta.total` is the database's estimate (over 10,000 matches, `X-Total-Estimated`). */
  estimated: boolean;
}

/** The list route answers CSV too (`format=csv`): asked for JSON, a string is a broken answer. */
function json<T>(body: T | string): T {
  if (typeof body === "string") throw new Error("attendance-api answered with text, not JSON");
  return body;
}

export async function fetchRecords(query: RecordsQuery, signal?: AbortSignal): Promise<RecordPage> {
  let estimated = false;
  const body = await call(
    attendanceApi
      .GET("/api/v1/attendance", { params: { query: { ...toApiQuery(query), format: "json" } }, signal })
      .then((result) => {
        estimated = result.response.headers.get("X-Total-Estimated") === "true";
        return result;
      }),
  );
  const envelope = json(body);
  return { records: envelope.data, meta: envelope.meta, estimated };
}

export function recordsQuery(query: RecordsQuery) {
  return queryOptions({
    queryKey: attendanceKeys.list(query),
    queryFn: ({ signal }) => fetchRecords(query, signal),
    placeholderData: keepPreviousData,
  });
}

/** A person's records of a date range: at most a month, one record a day, so one page of 100. */
export function personRecordsQuery(personId: string, from: string, to: string) {
  return queryOptions({
    queryKey: attendanceKeys.personMonth(personId, from, to),
    queryFn: async ({ signal }) => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/{person_id}", {
          params: { path: { person_id: personId }, query: { from_date: from, to_date: to, page_size: 100, format: "json" } },
          signal,
        }),
      );
      return json(body).data;
    },
    placeholderData: keepPreviousData,
  });
}

export function statisticsQuery(personId: string, from: string, to: string) {
  return queryOptions({
    queryKey: attendanceKeys.statistics(personId, from, to),
    queryFn: async ({ signal }) => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/{person_id}/statistics", {
          params: { path: { person_id: personId }, query: { from_date: from, to_date: to, format: "json" } },
          signal,
        }),
      );
      return json(body).data;
    },
    placeholderData: keepPreviousData,
  });
}

/** A record with every sighting of its day, their review items and its history. */
export function recordQuery(attendanceId: string) {
  return queryOptions({
    queryKey: attendanceKeys.record(attendanceId),
    queryFn: async ({ signal }) => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/records/{attendance_id}", { params: { path: { attendance_id: attendanceId } }, signal }),
      );
      return envelope.data;
    },
  });
}

/** Every operator's name by id: the services record who decided by the operator's id. */
export function operatorNamesQuery() {
  return queryOptions({
    queryKey: attendanceKeys.operatorNames,
    queryFn: async ({ signal }) => {
      const envelope = await call(consoleApi.GET("/console/api/v1/operator-names", { signal }));
      return new Map(envelope.data.map((o) => [o.id, o.display_name]));
    },
    staleTime: 5 * 60_000,
  });
}

/** The camera's whole frame of a sighting (JPEG, through the console; 404 when none was kept). */
export function snapshotUrl(detectionId: string): string {
  return `/api/v1/attendance/detections/${encodeURIComponent(detectionId)}/snapshot`;
}

/** The face cut out of the sighting's frame (JPEG; 404 when none). */
export function cropUrl(detectionId: string): string {
  return `/api/v1/attendance/detections/${encodeURIComponent(detectionId)}/crop`;
}

/** A manual mark: the person, the time (absent: now) and the reason (kept in the record's history). */
export interface ManualMark {
  person_id: string;
  time?: string;
  reason?: string;
}

export async function checkIn(mark: ManualMark): Promise<CheckInResult> {
  const envelope = await call(attendanceApi.POST("/api/v1/attendance/check-in", { body: mark }));
  return envelope.data;
}

export async function checkOut(mark: ManualMark): Promise<CheckOutResult> {
  const envelope = await call(attendanceApi.POST("/api/v1/attendance/check-out", { body: mark }));
  return envelope.data;
}

export async function approveManual(attendanceId: string, body: { remarks?: string }): Promise<AttendanceRecord> {
  const envelope = await call(
    attendanceApi.POST("/api/v1/attendance/manual/{attendance_id}/approve", {
      params: { path: { attendance_id: attendanceId } },
      body,
    }),
  );
  return envelope.data;
}

/** The day after the rejection: `null` when the detections make nothing of it. */
export async function rejectManual(attendanceId: string, body: { remarks?: string }): Promise<AttendanceRecord | null> {
  const envelope = await call(
    attendanceApi.POST("/api/v1/attendance/manual/{attendance_id}/reject", {
      params: { path: { attendance_id: attendanceId } },
      body,
    }),
  );
  return envelope.data ?? null;
}

export async function correct(body: CorrectionBody): Promise<CorrectionResult> {
  const envelope = await call(attendanceApi.POST("/api/v1/attendance/corrections", { body }));
  return envelope.data;
}

/** After any write: every list, month, statistics and record may have moved. */
export function refreshAttendance(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: attendanceKeys.all });
}

/**
 * Whether the operator may make manual check-ins and check-outs: anyone with
 * `attendance:write`, and reception, whose role the console lets write exactly these two
 * routes (their entries wait for HR's approval).
 */
export function canMakeManualEntries(session: Session | null | undefined): boolean {
  return can(session, "attendance:write") || session?.operator.role === "reception";
}

/** Whether the operator may decide (approve, reject, correct): `attendance:write`. */
export function canDecide(session: Session | null | undefined): boolean {
  return can(session, "attendance:write");
}
