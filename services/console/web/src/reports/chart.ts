// What a Reports chart draws, said without the chart library: the x values and what they are
// (a time of day, or a day), each series' values, label and look, and how the y values are
// written. Chart.tsx turns it into uPlot's options once the library has loaded; keeping it
// plain keeps it testable and keeps uPlot out of the pages' own bundle.

export type XKind = "seconds-of-day" | "date";
export type YFormat = "count" | "percent" | "time-of-day" | "minutes";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartSpec {
  kind: "bars" | "lines";
  x: XKind;
  /** Seconds after midnight, or a day's UTC midnight in seconds; ascending. */
  xs: number[];
  series: ChartSeries[];
  y: YFormat;
  /** The y axis' name: "Check-ins", "Presence (%)". */
  yLabel: string;
  /** For bars over a time of day: each bar's width in seconds (it starts at its x). */
  barSeconds?: number;
}

/**
 * Line colours (Okabe and Ito's palette, told apart with the commonest colour blindnesses),
 * each with a dash pattern of its own, so a line is known by its pattern too and in print.
 */
export const PALETTE: readonly { stroke: string; dash: number[] }[] = [
  { stroke: "#0072B2", dash: [] },
  { stroke: "#D55E00", dash: [8, 4] },
  { stroke: "#009E73", dash: [2, 3] },
  { stroke: "#CC79A7", dash: [10, 4, 2, 4] },
  { stroke: "#8a6100", dash: [4, 4] },
  { stroke: "#1f2937", dash: [14, 5] },
  { stroke: "#56B4E9", dash: [1, 4] },
];

export function seriesStyle(index: number): { stroke: string; dash: number[] } {
  const style = PALETTE[index % PALETTE.length] ?? PALETTE[0];
  return style ?? { stroke: "#0072B2", dash: [] };
}

/** The SVG `stroke-dasharray` of a series' pattern, for the legend beside the chart. */
export function dashArray(index: number): string | undefined {
  const dash = seriesStyle(index).dash;
  return dash.length === 0 ? undefined : dash.join(" ");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Seconds after midnight as `HH:MM` (seconds dropped: arrivals are read to the minute). */
export function formatSecondsOfDay(seconds: number): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  const hours = Math.floor(minutes / 60);
  return `${pad(hours === 24 ? 24 : hours % 24)}:${pad(minutes % 60)}`;
}

/** A day's UTC midnight in seconds, from `YYYY-MM-DD`. */
export function dateToSeconds(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

/** A day's UTC midnight in seconds as `7 Dec`, the day itself whatever the reader's zone. */
export function formatDateSeconds(seconds: number, locale?: string): string {
  return new Date(seconds * 1000).toLocaleDateString(locale, { day: "numeric", month: "short", timeZone: "UTC" });
}

/** How a y value is written on the axis and in the legend; null (nothing to say) is a dash. */
export function formatY(format: YFormat, value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  switch (format) {
    case "count":
      return Math.round(value).toLocaleString();
    case "percent":
      return `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
    case "time-of-day":
      return formatSecondsOfDay(value);
    case "minutes": {
      const whole = Math.max(0, Math.round(value));
      return `${Math.floor(whole / 60)} h ${pad(whole % 60)}`;
    }
  }
}

/** How an x value is written. */
export function formatX(kind: XKind, value: number, locale?: string): string {
  return kind === "date" ? formatDateSeconds(value, locale) : formatSecondsOfDay(value);
}

/** The steps the x axis may take between its ticks: whole quarters, or whole days. */
export function xIncrements(kind: XKind): number[] {
  if (kind === "seconds-of-day") return [900, 1800, 3600, 7200, 10800, 14400, 21600, 43200];
  const day = 86_400;
  return [day, 2 * day, 7 * day, 14 * day, 28 * day, 56 * day, 91 * day, 182 * day];
}

/** The steps of the y axis: whole counts, round percentages, whole quarters and hours. */
export function yIncrements(format: YFormat): number[] | undefined {
  switch (format) {
    case "count":
      return [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000];
    case "percent":
      return [5, 10, 20, 25, 50];
    case "time-of-day":
      return [300, 600, 900, 1800, 3600, 7200, 10800, 21600];
    case "minutes":
      return [15, 30, 60, 120, 180, 240, 360, 480, 720];
  }
}

/** Whether there is anything to draw: at least one x and one value that is not null. */
export function hasValues(spec: ChartSpec): boolean {
  return spec.xs.length > 0 && spec.series.some((s) => s.values.some((v) => v !== null));
}
