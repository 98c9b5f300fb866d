// What the Cameras pages say about a camera (its live state as a badge, its rates, a test's
// outcome) and the camera form's values, checks and request bodies, kept apart from React so
// they are tested on their own.

import type { Camera, CreateCameraBody, ProbeResult, UpdateCameraBody } from "./api";

export type BadgeKind = "streaming" | "connecting" | "reconnecting" | "ended" | "stopped" | "no-agent" | "disabled";

export interface StateBadge {
  kind: BadgeKind;
  label: string;
  /** Why it is not streaming, when the agent said. */
  detail?: string;
}

/**
 * The camera's state as the list shows it: disabled before anything else (its agent stops it);
 * no agent reporting when nobody runs it; else what its agent last reported.
 */
export function stateBadge(camera: Pick<Camera, "enabled" | "live">): StateBadge {
  if (!camera.enabled) return { kind: "disabled", label: "Disabled" };
  const live = camera.live;
  if (live === null || live === undefined) return { kind: "no-agent", label: "No agent reporting" };
  const detail = live.last_error ?? undefined;
  switch (live.state) {
    case "streaming":
      return { kind: "streaming", label: "Streaming" };
    case "connecting":
      return withDetail({ kind: "connecting", label: "Connecting" }, detail);
    case "reconnecting":
      return withDetail({ kind: "reconnecting", label: "Reconnecting" }, detail);
    case "ended":
      return withDetail({ kind: "ended", label: "Ended (the file played to its end)" }, detail);
    case "stopped":
      return withDetail({ kind: "stopped", label: "Stopped" }, detail);
    default:
      return withDetail({ kind: "connecting", label: live.state }, detail);
  }
}

function withDetail(badge: StateBadge, detail: string | undefined): StateBadge {
  return detail === undefined || detail === "" ? badge : { ...badge, detail };
}

/** A frame rate as "12.5 fps" (one decimal, none when whole), "—" when none is known. */
export function formatFps(fps: number | null | undefined): string {
  if (fps === null || fps === undefined || !Number.isFinite(fps)) return "—";
  const rounded = Math.round(fps * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} fps`;
}

/** A "Test connection" outcome in one sentence. */
export function probeSentence(result: ProbeResult): string {
  if (!result.agent_answered) {
    return `No agent answered: is a camera-agent named “${result.agent}” running? Nothing was tried.`;
  }
  if (!result.ok) return `The source could not be read by ${result.agent}: ${result.error ?? "no reason given"}.`;
  const size = result.width !== null && result.width !== undefined && result.height !== null && result.height !== undefined
    ? `${result.width}×${result.height}`
    : "a frame";
  const fps = result.fps !== null && result.fps !== undefined ? ` at ${formatFps(result.fps)}` : "";
  return `Connected: ${size}${fps} (${result.agent}, ${result.elapsed_ms} ms).`;
}

export const ROLES = ["entry", "exit", "both"] as const;
export type CameraRole = (typeof ROLES)[number];
export const ROLE_LABELS: Record<CameraRole, string> = {
  entry: "Entry (check-ins)",
  exit: "Exit (check-outs)",
  both: "Both",
};

export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

export const CAMERA_FIELDS = ["id", "name", "source", "role", "sample_fps", "agent", "roi"] as const;
export type CameraField = (typeof CAMERA_FIELDS)[number];
export const CAMERA_LABELS: Record<CameraField, string> = {
  id: "Id",
  name: "Name",
  source: "Source",
  role: "Role",
  sample_fps: "Frames analysed per second",
  agent: "Agent",
  roi: "Region of interest",
};
/** Whole-request refusals that are about one field. */
export const CAMERA_CONFLICTS: Partial<Record<string, CameraField>> = {
  camera_exists: "id",
  source_redacted: "source",
};

export const DEFAULT_AGENT = "default";
export const DEFAULT_SAMPLE_FPS = "5";

export interface CameraFormValues {
  id: string;
  name: string;
  /** What the admin typed; on edit, empty keeps the stored source. */
  source: string;
  role: CameraRole;
  sample_fps: string;
  agent: string;
  enabled: boolean;
  roi_x: string;
  roi_y: string;
  roi_width: string;
  roi_height: string;
  realtime: boolean;
  repeat: boolean;
}

export const EMPTY_CAMERA: CameraFormValues = {
  id: "",
  name: "",
  source: "",
  role: "both",
  sample_fps: DEFAULT_SAMPLE_FPS,
  agent: DEFAULT_AGENT,
  enabled: true,
  roi_x: "",
  roi_y: "",
  roi_width: "",
  roi_height: "",
  realtime: true,
  repeat: false,
};

function isRole(role: string): role is CameraRole {
  return (ROLES as readonly string[]).includes(role);
}

/** The form for a camera as read: its source left empty, so the stored one (and its credentials) stays. */
export function valuesOf(camera: Camera): CameraFormValues {
  const roi = camera.roi;
  return {
    id: camera.id,
    name: camera.name,
    source: "",
    role: isRole(camera.role) ? camera.role : "both",
    sample_fps: String(camera.sample_fps),
    agent: camera.agent,
    enabled: camera.enabled,
    roi_x: roi ? String(roi.x) : "",
    roi_y: roi ? String(roi.y) : "",
    roi_width: roi ? String(roi.width) : "",
    roi_height: roi ? String(roi.height) : "",
    realtime: camera.realtime,
    repeat: camera.repeat,
  };
}

export interface FormCheck {
  fields: Partial<Record<CameraField, string[]>>;
}

type Roi = NonNullable<CreateCameraBody["roi"]>;

/** The region of interest typed, none when all four are empty, or why it is not one. */
export function roiOf(values: CameraFormValues): { roi: Roi | null } | { error: string } {
  const parts = [values.roi_x, values.roi_y, values.roi_width, values.roi_height].map((p) => p.trim());
  if (parts.every((p) => p === "")) return { roi: null };
  if (parts.some((p) => p === "")) return { error: "Give all four of x, y, width and height, or none of them." };
  const [x, y, width, height] = parts.map(Number) as [number, number, number, number];
  if ([x, y, width, height].some((n) => !Number.isFinite(n) || n < 0 || n > 1)) {
    return { error: "Each is a fraction of the frame, from 0 to 1." };
  }
  if (width === 0 || height === 0) return { error: "The width and the height must be more than 0." };
  if (x + width > 1.000001 || y + height > 1.000001) return { error: "The region must lie inside the frame." };
  return { roi: { x, y, width, height } };
}

/** What the browser can tell before asking; the console's own reasons replace these if it refuses. */
export function checkCamera(values: CameraFormValues, creating: boolean): Partial<Record<CameraField, string[]>> {
  const fields: Partial<Record<CameraField, string[]>> = {};
  if (creating) {
    if (values.id.trim() === "") fields.id = ["Give the camera an id."];
    else if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.id.trim())) fields.id = ["Letters, digits, - and _ only, at most 64."];
    if (values.source.trim() === "") fields.source = ["Give the camera's source."];
  }
  const fps = Number(values.sample_fps);
  if (values.sample_fps.trim() === "" || !Number.isFinite(fps) || fps <= 0 || fps > 60) {
    fields.sample_fps = ["More than 0 and at most 60."];
  }
  if (values.agent.trim() === "") fields.agent = ["Name the agent that runs it (default: “default”)."];
  const roi = roiOf(values);
  if ("error" in roi) fields.roi = [roi.error];
  return fields;
}

function roiOrNull(values: CameraFormValues): Roi | null {
  const roi = roiOf(values);
  return "roi" in roi ? roi.roi : null;
}

export function toCreateCamera(values: CameraFormValues): CreateCameraBody {
  const name = values.name.trim();
  return {
    id: values.id.trim(),
    name: name === "" ? null : name,
    source: values.source.trim(),
    role: values.role,
    sample_fps: Number(values.sample_fps),
    agent: values.agent.trim(),
    enabled: values.enabled,
    roi: roiOrNull(values),
    realtime: values.realtime,
    repeat: values.repeat,
  };
}

/**
 * The change to a camera as read: the source only when the admin typed a new one (the list
 * shows it with `***` for its credentials, which must never be sent back), and the revision
 * it was read at, so a change made meanwhile by someone else is refused.
 */
export function toUpdateCamera(values: CameraFormValues, revision: number): UpdateCameraBody {
  const body: UpdateCameraBody = {
    name: values.name.trim(),
    role: values.role,
    sample_fps: Number(values.sample_fps),
    agent: values.agent.trim(),
    enabled: values.enabled,
    roi: roiOrNull(values),
    realtime: values.realtime,
    repeat: values.repeat,
    revision,
  };
  const source = values.source.trim();
  if (source !== "") body.source = source;
  return body;
}

/** Whether a source is a file the agent plays (realtime and repeat only matter for files). */
export function looksLikeFile(source: string): boolean {
  const s = source.trim();
  return s.startsWith("file://") || s.startsWith("/") || s.startsWith("./") || /\.(mp4|mkv|avi|mov|webm)$/i.test(s);
}
