// How the review page words what attendance-api stores: why an item is in review, a camera's
// role, times in the operator's time zone, and whether a capture's quality is low.

/** Why an item is in the queue: a short title and what the operator is asked to settle. */
export const REASONS: Record<string, { title: string; detail: string }> = {
  low_confidence: {
    title: "Low confidence",
    detail: "The match is above the review threshold but below the automatic one: say whether it is them.",
  },
  ambiguous_time: {
    title: "Direction unclear",
    detail:
      "A camera used both ways saw them between 12:00 and 16:00, when arriving and leaving are both likely: approving asks whether it was a check-in or a check-out.",
  },
  no_check_in: {
    title: "No check-in",
    detail: "They were seen leaving with no check-in that day: confirm the sighting, and their day counts.",
  },
};

export function reasonTitle(reason: string): string {
  return REASONS[reason]?.title ?? reason.replaceAll("_", " ");
}

export function reasonDetail(reason: string): string | undefined {
  return REASONS[reason]?.detail;
}

const ROLES: Record<string, string> = {
  entry: "entry",
  exit: "exit",
  both: "entry and exit",
};

/** `gate` + `entry` → `gate (entry)`. */
export function cameraText(cameraId: string, role: string | undefined): string {
  if (role === undefined) return cameraId;
  return `${cameraId} (${ROLES[role] ?? role})`;
}

function valid(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `08:55:12`: the time of a sighting, seconds included (two captures can be seconds apart). */
export function formatTime(iso: string): string {
  const date = valid(iso);
  return date === undefined ? iso : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** `Mon 7 Dec 2026, 08:55:12`. */
export function formatDateTime(iso: string): string {
  const date = valid(iso);
  if (date === undefined) return iso;
  const day = date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
  return `${day}, ${formatTime(iso)}`;
}

/** A work day (`YYYY-MM-DD`, the site's calendar) as `Mon 7 Dec 2026`, read at noon so no zone moves it. */
export function formatDay(date: string): string {
  const day = valid(`${date}T12:00:00`);
  return day === undefined ? date : day.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}

/** The name attendance-api's directory gave, or what is known without it. */
export function personLabel(name: string | null | undefined): string {
  return name === null || name === undefined || name.trim() === "" ? "an unnamed person" : name;
}

/**
 * Under this a capture is low quality. crates/face reports a factor under 0.5 as a weakness
 * (QualityPolicy::min_factor) and the score is the product of the factors, so a score under
 * 0.5 means at least one real weakness: the face may be refused at enrolment, and matches
 * against it are weaker.
 */
export const LOW_QUALITY = 0.5;

export function isLowQuality(quality: number): boolean {
  return quality < LOW_QUALITY;
}

const STATUSES: Record<string, string> = {
  present: "present",
  late: "late",
  early_leave: "left early",
  absent: "absent",
  pending: "pending (other sightings still to decide)",
};

export function statusText(status: string): string {
  return STATUSES[status] ?? status.replaceAll("_", " ");
}
