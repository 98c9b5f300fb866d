// attendance-api's review and evidence routes, typed by hand from the service's DTOs
// (services/attendance-api/src/dto/evidence.rs, dto.rs ReviewItemResponse/ApproveReviewRequest,
// routes/evidence.rs and routes/decisions.rs) in the shape openapi-typescript gives, for the
// openapi-fetch client in api.ts. They are the routes src/api/attendance-api.d.ts does not have
// yet: once `make console-openapi` regenerates it from the service, this file goes and api.ts
// takes the generated `paths` and `components` instead.

import type { components } from "../api/attendance-api";

type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type Jpeg = { headers: { [name: string]: unknown }; content: { "image/jpeg": Blob } };
type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
type Others = { put?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

interface ErrorEnvelope {
  success: boolean;
  error: { code: string; message: string; details?: { field: string; code: string; message: string }[] };
}

interface PageMeta {
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

/** Where a face is in its snapshot, in the snapshot's pixels. */
export interface FaceBoxResponse {
  x_min: number;
  y_min: number;
  x_max: number;
  y_max: number;
}

/** The second-nearest enrolled person of a face. */
export interface RunnerUpResponse {
  person_id: string;
  /** `null` when the directory does not know the person (yet). */
  name?: string | null;
  distance: number;
  /** Runner-up distance − distance: the smaller, the easier the two are confused. */
  margin: number;
}

/** A stored detection: a face a camera saw and what recognition made of it. */
export interface DetectionResponse {
  detection_id: string;
  camera_id: string;
  /** `entry`, `exit` or `both`. */
  camera_role: string;
  captured_at: string;
  person_id?: string | null;
  person_name?: string | null;
  /** `match`, `ambiguous` or `unknown`. */
  decision?: string | null;
  /** Calibrated, in [0, 1]: at 0.70 one impostor in 1,000 is accepted, at 0.60 one in 100. */
  confidence: number;
  distance: number;
  model: string;
  /** Face quality in [0, 1]. */
  quality: number;
  track_id?: string | null;
  face_box?: FaceBoxResponse | null;
  runner_up?: RunnerUpResponse | null;
  /** Whether `/detections/{id}/snapshot` (and, with a `face_box`, `/crop`) has an image. */
  has_snapshot: boolean;
  verdict?: string | null;
  verdict_by?: string | null;
  verdict_at?: string | null;
}

/** One item of the review queue, with its detection's evidence. */
export interface ReviewItemResponse {
  id: string;
  detection_id: string;
  person_id: string;
  attendance_date: string;
  /** `low_confidence`, `ambiguous_time` or `no_check_in`. */
  reason: string;
  confidence: number;
  camera_id: string;
  at: string;
  state: string;
  decided_by?: string | null;
  decided_at?: string | null;
  /** The candidate's name; `null` when the directory does not know them. */
  person_name?: string | null;
  /** The detection's evidence; `null` for a deleted person's item. */
  detection?: DetectionResponse | null;
}

/** A day record (already in the generated types). */
export type AttendanceResponse = components["schemas"]["AttendanceResponse"];

export interface ReviewDecisionResponse {
  review_item: ReviewItemResponse;
  attendance?: AttendanceResponse | null;
}

export interface AssignReviewResponse {
  review_item: ReviewItemResponse;
  candidate_attendance?: AttendanceResponse | null;
  assigned_attendance?: AttendanceResponse | null;
}

/** One stranger's appearance: the unknown sightings of one camera track. */
export interface UnknownFaceResponse {
  camera_id: string;
  track_id?: string | null;
  first_seen: string;
  last_seen: string;
  sightings: number;
  /** The best quality sighting with a snapshot: the one to show and to enrol from. */
  best: DetectionResponse;
}

export interface ApproveReviewRequest {
  direction?: "check_in" | "check_out" | null;
  reason?: string | null;
}

export interface RejectReviewRequest {
  reason?: string | null;
  not_a_face?: boolean | null;
}

export interface AssignReviewRequest {
  person_id: string;
  reason?: string | null;
}

interface DecisionResponses<T> {
  200: Json<{ success: boolean; data: T }>;
  400: Json<ErrorEnvelope>;
  401: Json<ErrorEnvelope>;
  403: Json<ErrorEnvelope>;
  404: Json<ErrorEnvelope>;
  409: Json<ErrorEnvelope>;
  422: Json<ErrorEnvelope>;
}

type Decision<Body, T> = {
  parameters: { query?: never; header?: never; path: { item_id: string }; cookie?: never };
  requestBody: { content: { "application/json": Body } };
  responses: DecisionResponses<T>;
};

type Evidence = {
  parameters: { query?: never; header?: never; path: { detection_id: string }; cookie?: never };
  requestBody?: never;
  responses: { 200: Jpeg; 401: Json<ErrorEnvelope>; 403: Json<ErrorEnvelope>; 404: Json<ErrorEnvelope>; 503: Json<ErrorEnvelope> };
};

export interface paths {
  "/api/v1/attendance/review": {
    parameters: NoParameters;
    get: {
      parameters: {
        query?: { page?: number; page_size?: number; state?: "pending" | "approved" | "rejected"; person_id?: string; from_date?: string; to_date?: string };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: { 200: Json<{ success: boolean; data: ReviewItemResponse[]; meta: PageMeta }>; 400: Json<ErrorEnvelope>; 401: Json<ErrorEnvelope>; 403: Json<ErrorEnvelope> };
    };
    post?: never;
  } & Others;
  "/api/v1/attendance/review/{item_id}/approve": { parameters: NoParameters; get?: never; post: Decision<ApproveReviewRequest, ReviewDecisionResponse> } & Others;
  "/api/v1/attendance/review/{item_id}/reject": { parameters: NoParameters; get?: never; post: Decision<RejectReviewRequest, ReviewDecisionResponse> } & Others;
  "/api/v1/attendance/review/{item_id}/assign": { parameters: NoParameters; get?: never; post: Decision<AssignReviewRequest, AssignReviewResponse> } & Others;
  "/api/v1/attendance/unknown-faces": {
    parameters: NoParameters;
    get: {
      parameters: {
        query?: { page?: number; page_size?: number; from_date?: string; to_date?: string; camera_id?: string };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: { 200: Json<{ success: boolean; data: UnknownFaceResponse[]; meta: PageMeta }>; 400: Json<ErrorEnvelope>; 401: Json<ErrorEnvelope>; 403: Json<ErrorEnvelope> };
    };
    post?: never;
  } & Others;
  "/api/v1/attendance/detections/{detection_id}/snapshot": { parameters: NoParameters; get: Evidence; post?: never } & Others;
  "/api/v1/attendance/detections/{detection_id}/crop": { parameters: NoParameters; get: Evidence; post?: never } & Others;
}
