// What an operator is told when a photo is refused: the API's error codes (person-api's enrol
// route, through the console) turned into a reason and what to do about it, with whether the
// same photo can be sent again as it is (a failure of the moment) or with use_largest_face.

import { ApiError, sentence } from "../lib/errors";
import { formatBytes } from "./photos";

export interface Refusal {
  /** The API's code (`no_face`, ...), or the browser's own (`file_too_large`, ...). */
  code: string;
  /** Why, and what to do, for people. */
  reason: string;
  /** `multiple_faces`: the photo can be re-sent with `use_largest_face: true`. */
  canUseLargest: boolean;
  /** Nothing is wrong with the photo itself (503, a lost connection): sending it again may work. */
  canRetry: boolean;
}

function refusal(code: string, reason: string, extra: Partial<Pick<Refusal, "canUseLargest" | "canRetry">> = {}): Refusal {
  return { code, reason, canUseLargest: false, canRetry: false, ...extra };
}

/** The fixed reasons, by code: each says what was wrong and what photo to use instead. */
const REASONS: Record<string, string> = {
  no_face: "No face was found in this photo. Use a photo where the face is clearly visible, facing the camera.",
  face_too_small: "The face is too small in this photo. Use a closer photo, or a larger one.",
  face_blurred: "The face is too blurred. Use a sharper photo, taken in good light.",
  empty_image: "The photo is empty.",
  invalid_base64: "The photo could not be sent intact. Try again, or use another file.",
  unsupported_image: "This file is not a JPEG, PNG or WebP photo.",
  undecodable_image: "The photo could not be opened: the file may be damaged. Use another file.",
  payload_too_large: "The photo is too large to send. Use a smaller photo.",
  person_not_found: "This person no longer exists: they may have been deleted.",
  model_mismatch: "The face recognition model changed while the photo was being read. Try again.",
};

/** `the photo shows 3 faces; ...` → 3 */
function faceCount(message: string): number | undefined {
  const match = /(\d+)\s+faces/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** `the image is N bytes; at most M are accepted` → M */
function byteLimit(message: string): number | undefined {
  const match = /at most (\d+)/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Why the API (or the way to it) refused a photo. */
export function refusalOf(error: unknown): Refusal {
  if (!(error instanceof ApiError)) {
    return refusal("unknown", error instanceof Error ? sentence(error.message) : "Something went wrong.", { canRetry: true });
  }
  const { code, message, status } = error;
  switch (code) {
    case "multiple_faces": {
      const count = faceCount(message);
      const shows = count === undefined ? "several faces" : `${count} faces`;
      return refusal(code, `This photo shows ${shows}. Use a photo of this person alone, or enrol the largest face in it.`, {
        canUseLargest: true,
      });
    }
    case "image_too_large": {
      const limit = byteLimit(message);
      return refusal(
        code,
        limit === undefined ? "The photo is too large. Use a smaller photo." : `The photo is too large: at most ${formatBytes(limit)} can be enrolled. Use a smaller photo.`,
      );
    }
    case "model_mismatch":
      return refusal(code, REASONS[code] ?? "", { canRetry: true });
    case "face_service_unavailable":
      return refusal(code, "Face recognition is unavailable right now. Try again in a moment.", { canRetry: true });
    case "validation_failed": {
      const details = error.details.map((d) => sentence(`${d.field}: ${d.message}`));
      return refusal(code, details.length > 0 ? details.join(" ") : sentence(message));
    }
  }
  const fixed = REASONS[code];
  if (fixed !== undefined) return refusal(code, fixed);
  // Anything else: the service's own words; a 5xx, a 429 or no connection may pass next time.
  const transient = status === 0 || status === 429 || status >= 500;
  return refusal(code, sentence(message), { canRetry: transient });
}

/** A refusal of the browser's own, before anything is sent: never to be sent as it is. */
export function localRefusal(code: string, reason: string): Refusal {
  return refusal(code, reason);
}

/** `0.823` → `82 %` */
export function formatQuality(score: number): string {
  return `${Math.round(Math.min(1, Math.max(0, score)) * 100)} %`;
}

const ISSUE_LABELS: Record<string, string> = {
  // crates/face's quality issues (face_too_small and face_blurred are refused, not noted).
  face_not_frontal: "the face is turned away",
  low_detector_confidence: "the face is hard to make out",
  face_too_small: "the face is small",
  face_blurred: "the face is blurred",
};

/** The weaknesses an enrolment accepted, as a clause: `face_not_frontal` → `the face is turned away`. */
export function qualityIssueLabel(issue: string): string {
  return ISSUE_LABELS[issue] ?? issue.replaceAll("_", " ");
}

/** What an accepted photo's row says: `Enrolled, quality 82 %; note: the face is turned away.` */
export function enrolledText(result: { quality_score: number; quality_issues: string[] }): string {
  const notes = result.quality_issues.map(qualityIssueLabel);
  const base = `Enrolled, quality ${formatQuality(result.quality_score)}`;
  return notes.length > 0 ? `${base}; note: ${notes.join(", ")}.` : `${base}.`;
}
