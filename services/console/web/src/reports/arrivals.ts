// The daily report's chart of arrivals through the day: the persons' check-in instants counted
// per 15 minutes of the reader's local day, with the empty quarters in between kept (a gap in
// arrivals is information), and a few words about them for people who do not see the chart.

export const BUCKET_MINUTES = 15;
const MINUTES_PER_DAY = 24 * 60;

export interface ArrivalBucket {
  /** Minutes after the day's local midnight at which the quarter starts. */
  start: number;
  count: number;
}

export interface Arrivals {
  /** Every quarter from the hour of the first arrival to the end of the hour of the last. */
  buckets: ArrivalBucket[];
  /** Check-ins counted in the buckets. */
  total: number;
  /** Check-ins whose local date is not the report's date (a time zone apart, a night shift). */
  outside: number;
  /** The quarter with the most arrivals (the earliest of equals), if any. */
  peak: ArrivalBucket | undefined;
  /** Minutes after midnight of the first and the last arrival. */
  first: number | undefined;
  last: number | undefined;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let formatter = partsFormatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    partsFormatters.set(key, formatter);
  }
  return formatter;
}

/**
 * An instant's local date (`YYYY-MM-DD`) and minutes after local midnight in `timeZone` (the
 * reader's when undefined), or undefined for what is not an instant.
 */
export function localDayAndMinute(instant: string, timeZone?: string): { date: string; minute: number } | undefined {
  const parsed = new Date(instant);
  if (Number.isNaN(parsed.getTime())) return undefined;
  const parts: Record<string, string> = {};
  for (const part of partsFormatter(timeZone).formatToParts(parsed)) parts[part.type] = part.value;
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: hour * 60 + minute };
}

/**
 * Counts the check-ins of `date` per quarter of an hour. Missing check-ins (nobody came) are
 * not arrivals; instants of another local date are counted apart in `outside`.
 */
export function bucketArrivals(
  checkIns: readonly (string | null | undefined)[],
  date: string,
  timeZone?: string,
  bucketMinutes: number = BUCKET_MINUTES,
): Arrivals {
  const counts = new Map<number, number>();
  let total = 0;
  let outside = 0;
  let first: number | undefined;
  let last: number | undefined;
  for (const instant of checkIns) {
    if (instant === null || instant === undefined) continue;
    const local = localDayAndMinute(instant, timeZone);
    if (local === undefined) continue;
    if (local.date !== date) {
      outside += 1;
      continue;
    }
    const start = Math.floor(local.minute / bucketMinutes) * bucketMinutes;
    counts.set(start, (counts.get(start) ?? 0) + 1);
    total += 1;
    first = first === undefined ? local.minute : Math.min(first, local.minute);
    last = last === undefined ? local.minute : Math.max(last, local.minute);
  }
  if (first === undefined || last === undefined) {
    return { buckets: [], total, outside, peak: undefined, first, last };
  }
  const from = Math.floor(first / 60) * 60;
  const to = Math.min(MINUTES_PER_DAY, (Math.floor(last / 60) + 1) * 60);
  const buckets: ArrivalBucket[] = [];
  let peak: ArrivalBucket | undefined;
  for (let start = from; start < to; start += bucketMinutes) {
    const bucket = { start, count: counts.get(start) ?? 0 };
    buckets.push(bucket);
    if (bucket.count > 0 && (peak === undefined || bucket.count > peak.count)) peak = bucket;
  }
  return { buckets, total, outside, peak, first, last };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `525` → `08:45`. */
export function formatMinuteOfDay(minute: number): string {
  const whole = Math.max(0, Math.round(minute));
  return `${pad(Math.floor(whole / 60) % 24)}:${pad(whole % 60)}`;
}

/** `08:45–09:00`: a quarter's span. */
export function bucketLabel(bucket: ArrivalBucket, bucketMinutes: number = BUCKET_MINUTES): string {
  const end = bucket.start + bucketMinutes;
  return `${formatMinuteOfDay(bucket.start)}–${end >= MINUTES_PER_DAY ? "24:00" : formatMinuteOfDay(end)}`;
}

/** The chart's data: x in seconds after midnight (each quarter's start), y the arrivals. */
export function arrivalsChartData(arrivals: Arrivals): [number[], number[]] {
  return [arrivals.buckets.map((b) => b.start * 60), arrivals.buckets.map((b) => b.count)];
}

/** The chart in words: how many, from when to when, and the busiest quarter. */
export function describeArrivals(arrivals: Arrivals): string {
  if (arrivals.total === 0 || arrivals.first === undefined || arrivals.last === undefined || arrivals.peak === undefined) {
    return "Nobody checked in on this day.";
  }
  const people = arrivals.total === 1 ? "1 check-in" : `${arrivals.total.toLocaleString()} check-ins`;
  const span =
    arrivals.total === 1
      ? `at ${formatMinuteOfDay(arrivals.first)}`
      : arrivals.first === arrivals.last
        ? `all at ${formatMinuteOfDay(arrivals.first)}`
        : `from ${formatMinuteOfDay(arrivals.first)} to ${formatMinuteOfDay(arrivals.last)}`;
  const peak = `the busiest quarter of an hour was ${bucketLabel(arrivals.peak)} with ${arrivals.peak.count.toLocaleString()}`;
  return `${people} ${span}; ${peak}.`;
}
