// A person's month as a calendar: the weeks of a month (Monday first, as ISO weeks and the
// site's working week run), each day with its record, and the month navigation the person
// page keeps in its URL (`?month=YYYY-MM`). Pure, so the grid is tested without a browser.

export interface Month {
  year: number;
  /** 1 to 12. */
  month: number;
}

/** What the calendar needs of a day record (attendance-api's `AttendanceResponse`). */
export interface DayRecordLike {
  id: string;
  attendance_date: string;
  status: string;
  duration_minutes?: number | null;
}

export interface CalendarDay<R extends DayRecordLike = DayRecordLike> {
  /** `YYYY-MM-DD`. */
  date: string;
  day: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  record: R | undefined;
  isToday: boolean;
  isFuture: boolean;
}

/** A week of seven cells; `null` is a day of the month before or after. */
export type CalendarWeek<R extends DayRecordLike = DayRecordLike> = (CalendarDay<R> | null)[];

/** The letter beside each status's colour, so colour is never the only cue. */
export const STATUS_LETTERS: Record<string, string> = {
  present: "P",
  late: "L",
  early_leave: "E",
  absent: "A",
  pending: "W",
};

export function statusLetter(status: string): string {
  return STATUS_LETTERS[status] ?? "?";
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function isoDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The local calendar date of `now` as `YYYY-MM-DD`. */
export function localIsoDate(now: Date): string {
  return isoDate(now.getFullYear(), now.getMonth() + 1, now.getDate());
}

export function monthOf(now: Date): Month {
  return { year: now.getFullYear(), month: now.getMonth() + 1 };
}

/** attendance-api's reports reach the years 2000 to 2999. */
const FIRST_YEAR = 2000;
const LAST_YEAR = 2999;

/** `?month=2026-03` → March 2026; anything else (or nothing) → the month of `now`. */
export function parseMonth(raw: string | null, now: Date): Month {
  const match = raw === null ? null : /^(\d{4})-(\d{2})$/.exec(raw.trim());
  if (match !== null) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    if (year >= FIRST_YEAR && year <= LAST_YEAR && month >= 1 && month <= 12) return { year, month };
  }
  return monthOf(now);
}

export function formatMonth(m: Month): string {
  return `${pad(m.year, 4)}-${pad(m.month)}`;
}

export function addMonths(m: Month, delta: number): Month {
  const index = m.year * 12 + (m.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function daysInMonth(m: Month): number {
  return new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
}

/** The month's first and last days, inclusive, as the API's date range. */
export function monthRange(m: Month): { from: string; to: string } {
  return { from: isoDate(m.year, m.month, 1), to: isoDate(m.year, m.month, daysInMonth(m)) };
}

/** "December 2026", in the reader's language. */
export function monthLabel(m: Month, locale?: string): string {
  return new Date(Date.UTC(m.year, m.month - 1, 1)).toLocaleDateString(locale, {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/**
 * The month's weeks, Monday first, each day with its record (the first one found for a date;
 * attendance-api keeps one per person and day). `today` marks the current day and what is
 * still to come.
 */
export function buildCalendar<R extends DayRecordLike>(m: Month, records: readonly R[], today: string): CalendarWeek<R>[] {
  const byDate = new Map<string, R>();
  for (const record of records) {
    if (!byDate.has(record.attendance_date)) byDate.set(record.attendance_date, record);
  }
  const count = daysInMonth(m);
  // getUTCDay: 0 = Sunday; shifted so that 0 = Monday.
  const lead = (new Date(Date.UTC(m.year, m.month - 1, 1)).getUTCDay() + 6) % 7;
  const cells: (CalendarDay<R> | null)[] = Array.from({ length: lead }, () => null);
  for (let day = 1; day <= count; day += 1) {
    const date = isoDate(m.year, m.month, day);
    cells.push({
      date,
      day,
      weekday: (lead + day - 1) % 7,
      record: byDate.get(date),
      isToday: date === today,
      isFuture: date > today,
    });
  }
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: CalendarWeek<R>[] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** The month's records counted by status, and the minutes worked over them. */
export function monthTotals(records: readonly DayRecordLike[]): { byStatus: Record<string, number>; workedMinutes: number } {
  const byStatus: Record<string, number> = {};
  let workedMinutes = 0;
  for (const record of records) {
    byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    workedMinutes += record.duration_minutes ?? 0;
  }
  return { byStatus, workedMinutes };
}

/** `452` → `7 h 32 min`; `45` → `45 min`. */
export function formatMinutes(minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${pad(rest)} min`;
}

/** `452` → `7:32`: short enough for a calendar cell on a phone. */
export function formatHoursMinutes(minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  return `${Math.floor(whole / 60)}:${pad(whole % 60)}`;
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
