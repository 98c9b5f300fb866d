// How the Attendance pages write days, times, sources and confidences for people.

/** `2026-12-07` → `Mon, 7 Dec 2026` (the day itself, whatever the reader's time zone). */
export function formatDay(date: string): string {
  const parsed = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return parsed.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** An instant as the reader's local time of day: `09:02`. */
export function formatTime(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return value;
  return parsed.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** An instant with its date: `7 Dec 2026, 09:02:13`. */
export function formatInstant(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return value;
  return parsed.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** `check_in_source`: `auto` (a camera and the rules) or `manual` (entered by hand). */
export function sourceLabel(source: string | null | undefined): string {
  if (source === null || source === undefined) return "";
  if (source === "auto") return "camera";
  if (source === "manual") return "manual";
  return source.replaceAll("_", " ");
}

/** `0.9234` → `92.3 %`. */
export function formatConfidence(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${(value * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
}

/** The first block of a UUID, for a short mention where no name is known. */
export function shortId(id: string): string {
  return id.split("-")[0] ?? id;
}
