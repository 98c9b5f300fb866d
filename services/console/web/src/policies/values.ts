// The checks attendance-api makes on a policy's single values (services/attendance-api/src/
// dto/policies.rs and the domain's Text), done in the browser the same way, so a form says
// what is wrong before sending; and how those values are shown.

/** Reasons against one value, as the API words them; none when it is valid. */
export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T,>(value: T): Check<T> => ({ ok: true, value });
const no = <T,>(reason: string): Check<T> => ({ ok: false, reason });

/** The domain's `Text::parse`: trimmed, 1 to `max` characters, no control characters. */
export function checkText(raw: string, max: number): Check<string> {
  const value = raw.trim();
  if (value === "") return no("Must not be empty.");
  if ([...value].length > max) return no(`Must be at most ${max} characters.`);
  if (/\p{Cc}/u.test(value)) return no("Must not contain control characters.");
  return ok(value);
}

/** Seconds since midnight of `HH:MM` or `HH:MM:SS` (24-hour), as attendance-api parses times. */
export function checkTime(raw: string): Check<number> {
  const match = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(raw.trim());
  if (match === null) return no(raw.trim() === "" ? "Enter a time." : "Must be a time as HH:MM or HH:MM:SS.");
  const [h, m, s] = [Number(match[1]), Number(match[2]), Number(match[3] ?? "0")];
  if (h > 23 || m > 59 || s > 59) return no("Must be a time as HH:MM or HH:MM:SS.");
  return ok(h * 3600 + m * 60 + s);
}

/** A whole number within [min, max], as the API's integer fields. */
export function checkInteger(raw: string, min: number, max: number): Check<number> {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) return no(text === "" ? "Enter a number." : "Must be a whole number.");
  const value = Number(text);
  if (value < min || value > max) return no(`Must be between ${min} and ${max}.`);
  return ok(value);
}

/** A number within [min, max] (decimals allowed). */
export function checkNumber(raw: string, min: number, max: number): Check<number> {
  const text = raw.trim();
  if (text === "") return no("Enter a number.");
  const value = Number(text);
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(text) || !Number.isFinite(value)) return no("Must be a number.");
  if (value < min || value > max) return no(`Must be between ${min} and ${max}.`);
  return ok(value);
}

/** A calendar date as `YYYY-MM-DD` (a real day: no 31 April). */
export function checkDate(raw: string): Check<string> {
  const text = raw.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return no(text === "" ? "Enter a date." : "Must be a date as YYYY-MM-DD.");
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return no("Must be a date as YYYY-MM-DD.");
  }
  return ok(text);
}

const DAY = 24 * 60 * 60;

/**
 * A shift's length in whole minutes, as the domain's `Shift::nominal_length`: an end at or
 * before the start crosses midnight (22:00–06:00 is 8 hours; 09:00–09:00 is 24).
 */
export function shiftMinutes(startSeconds: number, endSeconds: number): number {
  const length = endSeconds > startSeconds ? endSeconds - startSeconds : endSeconds - startSeconds + DAY;
  return Math.floor(length / 60);
}

/** "09:00" for 09:00:00 as the API answers it; seconds only when there are some. */
export function formatTime(value: string): string {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (match === null) return value;
  return match[3] !== undefined && match[3] !== "00" ? `${match[1]}:${match[2]}:${match[3]}` : `${match[1]}:${match[2]}`;
}

/** "8 h", "7 h 30 min", "45 min". */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Whether a shift's hours cross midnight (its end at or before its start). */
export function crossesMidnight(start: string, end: string): boolean {
  const s = checkTime(start);
  const e = checkTime(end);
  return s.ok && e.ok && e.value <= s.value;
}

/** The days of the week as attendance-api numbers them: 0 is Monday. */
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
const SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** "Mon–Fri", "Mon, Wed, Fri", "Every day": runs of three or more days are joined. */
export function formatWorkingDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  if (sorted.length === 7) return "Every day";
  if (sorted.length === 0) return "No day";
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i += 1) {
    const prev = sorted[i - 1] ?? 0;
    if (i < sorted.length && sorted[i] === prev + 1) continue;
    const first = sorted[start] ?? 0;
    const run = i - start;
    if (run >= 3) parts.push(`${SHORT[first]}–${SHORT[prev]}`);
    else for (let j = start; j < i; j += 1) parts.push(SHORT[sorted[j] ?? 0] ?? "");
    start = i;
  }
  return parts.join(", ");
}

/** A date (`YYYY-MM-DD`) as people read it, without moving it across time zones. */
export function formatDay(date: string): string {
  const parsed = new Date(`${date}T12:00:00`);
  if (Number.isNaN(parsed.getTime())) return date;
  return parsed.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}

/** The local calendar date as YYYY-MM-DD. */
export function today(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
