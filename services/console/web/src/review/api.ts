// attendance-api's review queue, decisions, evidence images and unknown faces through the
// console, with the query keys that say what a decision changes. Evidence images are fetched
// as Blobs (not plain <img src>) so a missing one shows the API's reason, and so they sit in
// the query cache: the next items' are fetched ahead and show at once.

import { keepPreviousData, queryOptions, type QueryClient } from "@tanstack/react-query";
import type { components } from "../api/attendance-api";
import { attendanceApi as reviewApi, call } from "../api/client";
import { enrolPhoto, type EnrolOptions, type EnrollResult } from "../faces/api";
import type { Direction } from "./keys";

export type ReviewItem = components["schemas"]["ReviewItemResponse"];
export type Detection = components["schemas"]["DetectionResponse"];
export type UnknownFace = components["schemas"]["UnknownFaceResponse"];
export type DayRecord = components["schemas"]["AttendanceResponse"];
type ReviewDecisionResponse = components["schemas"]["ReviewDecisionResponse"];
type AssignReviewResponse = components["schemas"]["AssignReviewResponse"];

/** How many pending items the page holds at once: the strip shows them, the total says the rest. */
export const QUEUE_PAGE_SIZE = 50;
/** The queue's length is live: read again this often (and after every decision). */
export const QUEUE_REFRESH_MS = 4_000;
/** The navigation's count is a hint: read less often. */
export const COUNT_REFRESH_MS = 15_000;
export const UNKNOWN_PAGE_SIZE = 24;

export const reviewKeys = {
  all: ["attendance", "review"] as const,
  queue: () => [...reviewKeys.all, "queue"] as const,
  count: () => [...reviewKeys.all, "count"] as const,
  unknown: (filter: UnknownFilter) => ["attendance", "unknown-faces", filter] as const,
  /** Not under "attendance": a decision refreshes every attendance query, never the images. */
  evidence: (detectionId: string, kind: EvidenceKind) => ["evidence", detectionId, kind] as const,
};

export interface Queue {
  items: ReviewItem[];
  /** Every pending item, not only those read. */
  total: number;
}

export function reviewQueueQuery() {
  return queryOptions({
    queryKey: reviewKeys.queue(),
    queryFn: async ({ signal }): Promise<Queue> => {
      const envelope = await call(
        reviewApi.GET("/api/v1/attendance/review", {
          params: { query: { state: "pending", page: 1, page_size: QUEUE_PAGE_SIZE } },
          signal,
        }),
      );
      return { items: envelope.data, total: envelope.meta.total };
    },
    refetchInterval: QUEUE_REFRESH_MS,
    staleTime: 0,
  });
}

/** The number of pending items, for the navigation. */
export function pendingCountQuery() {
  return queryOptions({
    queryKey: reviewKeys.count(),
    queryFn: async ({ signal }): Promise<number> => {
      const envelope = await call(
        reviewApi.GET("/api/v1/attendance/review", { params: { query: { state: "pending", page: 1, page_size: 1 } }, signal }),
      );
      return envelope.meta.total;
    },
    refetchInterval: COUNT_REFRESH_MS,
    staleTime: 5_000,
  });
}

export type Decision =
  | { kind: "approve"; direction?: Direction | undefined; reason?: string | undefined }
  | { kind: "reject"; reason?: string | undefined }
  | { kind: "not_a_face"; reason?: string | undefined }
  | { kind: "assign"; personId: string; personName: string; reason?: string | undefined };

/** What a decision left: the day it changed (the assigned person's for an assignment). */
export interface DecisionOutcome {
  day: DayRecord | undefined;
}

/** A reason only when one was typed: the API refuses a blank one. */
function reasonOf(reason: string | undefined): { reason?: string } {
  const text = reason?.trim() ?? "";
  return text === "" ? {} : { reason: text };
}

export async function sendDecision(itemId: string, decision: Decision): Promise<DecisionOutcome> {
  const path = { item_id: itemId };
  switch (decision.kind) {
    case "approve": {
      const body = { ...reasonOf(decision.reason), ...(decision.direction === undefined ? {} : { direction: decision.direction }) };
      const envelope = await call(reviewApi.POST("/api/v1/attendance/review/{item_id}/approve", { params: { path }, body }));
      return outcome(envelope.data);
    }
    case "reject":
    case "not_a_face": {
      const body = { ...reasonOf(decision.reason), ...(decision.kind === "not_a_face" ? { not_a_face: true } : {}) };
      const envelope = await call(reviewApi.POST("/api/v1/attendance/review/{item_id}/reject", { params: { path }, body }));
      return outcome(envelope.data);
    }
    case "assign": {
      const body = { person_id: decision.personId, ...reasonOf(decision.reason) };
      const envelope = await call(reviewApi.POST("/api/v1/attendance/review/{item_id}/assign", { params: { path }, body }));
      return assigned(envelope.data);
    }
  }
}

function outcome(data: ReviewDecisionResponse): DecisionOutcome {
  return { day: data.attendance ?? undefined };
}

function assigned(data: AssignReviewResponse): DecisionOutcome {
  return { day: data.assigned_attendance ?? undefined };
}

/**
 * After a decision: the queue and its count, and every attendance query (the days it
 * recomputed show in the records, reports and Today).
 */
export function refreshAfterDecision(queryClient: QueryClient): Promise<unknown> {
  return queryClient.invalidateQueries({ queryKey: ["attendance"] });
}

export type EvidenceKind = "snapshot" | "crop";

/** A detection's snapshot (the camera's whole frame) or face crop, as a JPEG Blob. */
export async function fetchEvidence(detectionId: string, kind: EvidenceKind, signal?: AbortSignal): Promise<Blob> {
  const params = { path: { detection_id: detectionId } };
  const pending =
    kind === "snapshot"
      ? reviewApi.GET("/api/v1/attendance/detections/{detection_id}/snapshot", { params, parseAs: "blob", signal })
      : reviewApi.GET("/api/v1/attendance/detections/{detection_id}/crop", { params, parseAs: "blob", signal });
  return call(pending);
}

export function evidenceQuery(detectionId: string, kind: EvidenceKind) {
  return queryOptions({
    queryKey: reviewKeys.evidence(detectionId, kind),
    queryFn: ({ signal }) => fetchEvidence(detectionId, kind, signal),
    // Stored evidence never changes; a deleted person's goes (404), which a new visit shows.
    staleTime: Infinity,
    gcTime: 5 * 60_000,
  });
}

/** The evidence the page will want next, fetched ahead so that deciding never waits for it. */
export function prefetchEvidence(queryClient: QueryClient, detection: Detection): void {
  if (!detection.has_snapshot) return;
  void queryClient.prefetchQuery(evidenceQuery(detection.detection_id, "snapshot"));
  if (detection.face_box !== null && detection.face_box !== undefined) {
    void queryClient.prefetchQuery(evidenceQuery(detection.detection_id, "crop"));
  }
}

export interface UnknownFilter {
  /** YYYY-MM-DD, or undefined for the API's default (six days before `to`). */
  from: string | undefined;
  /** YYYY-MM-DD, or undefined for today. */
  to: string | undefined;
  camera: string | undefined;
  page: number;
}

export interface UnknownPage {
  groups: UnknownFace[];
  total: number;
  totalPages: number;
}

export function unknownFacesQuery(filter: UnknownFilter) {
  return queryOptions({
    queryKey: reviewKeys.unknown(filter),
    queryFn: async ({ signal }): Promise<UnknownPage> => {
      const envelope = await call(
        reviewApi.GET("/api/v1/attendance/unknown-faces", {
          params: {
            query: {
              page: filter.page,
              page_size: UNKNOWN_PAGE_SIZE,
              from_date: filter.from,
              to_date: filter.to,
              camera_id: filter.camera,
            },
          },
          signal,
        }),
      );
      return { groups: envelope.data, total: envelope.meta.total, totalPages: envelope.meta.totalPages };
    },
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

/**
 * Enrols a capture's face: the crop (from the cache when it is shown) sent through
 * person-api's enrolment, which refuses it as it refuses any photo (`no_face`, ...).
 */
export async function enrolFromCapture(
  queryClient: QueryClient,
  personId: string,
  detectionId: string,
  options: EnrolOptions = {},
): Promise<EnrollResult> {
  const crop = await queryClient.fetchQuery(evidenceQuery(detectionId, "crop"));
  return enrolPhoto(personId, crop, options);
}
