// A Reports chart: uPlot, loaded on first use with a dynamic import (so the library never
// weighs on the first page's bundle), drawn at its container's width and redrawn as it
// changes (a phone turned, a window resized), with a legend that shows each line's colour and
// dash pattern and a sentence that says what the chart shows. The figures themselves are
// always in a table beside it: the chart is never the only way to read them.

import { useEffect, useRef, useState } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import {
  dashArray,
  formatX,
  formatY,
  hasValues,
  seriesStyle,
  xIncrements,
  yIncrements,
  type ChartSpec,
} from "./chart";

type UPlotClass = typeof uPlot;

let library: Promise<UPlotClass> | undefined;

/** uPlot, fetched once for every chart of the session. */
function loadLibrary(): Promise<UPlotClass> {
  library ??= import("uplot").then((module) => module.default);
  // A failed fetch (a network blip) is not kept: the next chart tries again.
  library.catch(() => {
    library = undefined;
  });
  return library;
}

const AXIS = { stroke: "#374151", grid: { stroke: "#e5e7eb", width: 1 }, ticks: { stroke: "#c9ced6", width: 1 } };
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";

function dateSplits(spec: ChartSpec) {
  // Ticks on the data's own days (a week's Monday, not the epoch's Thursday), every n-th of them.
  return (_u: uPlot, _axis: number, min: number, max: number, incr: number): number[] => {
    const first = spec.xs[0];
    if (first === undefined) return [];
    const step = Math.max(1, Math.round(incr / 86_400));
    return spec.xs.filter((x) => x >= min && x <= max && Math.round((x - first) / 86_400) % step === 0);
  };
}

function buildOptions(U: UPlotClass, spec: ChartSpec, width: number, height: number, onCursor: (idx: number | null) => void): uPlot.Options {
  const bars = spec.kind === "bars";
  const barSeconds = spec.barSeconds ?? 0;
  const showPoints = spec.xs.length <= 62;
  const xScale: uPlot.Scale = { time: false };
  if (bars) xScale.range = (_u, min, max) => [min, max + barSeconds];
  else if (spec.xs.length === 1) xScale.range = (_u, min, max) => [min - 43_200, max + 43_200];
  const yScale: uPlot.Scale =
    spec.y === "percent"
      ? { range: [0, 100] }
      : spec.y === "count" || spec.y === "minutes"
        ? { range: (_u, _min, max) => [0, Math.max(spec.y === "count" ? 4 : 60, Math.ceil(max * 1.1))] }
        : { range: (_u, min, max) => [Math.max(0, min - 1800), Math.min(86_400, max + 1800)] };
  const xAxis: uPlot.Axis = {
    ...AXIS,
    font: FONT,
    space: spec.x === "date" ? 56 : 44,
    incrs: xIncrements(spec.x),
    values: (_u, splits) => splits.map((v) => formatX(spec.x, v)),
  };
  if (spec.x === "date") xAxis.splits = dateSplits(spec);
  return {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: !bars } },
    scales: { x: xScale, y: yScale },
    axes: [
      xAxis,
      {
        ...AXIS,
        font: FONT,
        labelFont: FONT,
        label: spec.yLabel,
        labelSize: 18,
        size: 52,
        space: 28,
        incrs: yIncrements(spec.y),
        values: (_u, splits) => splits.map((v) => formatY(spec.y, v)),
      },
    ],
    series: [
      {},
      ...spec.series.map((s, i): uPlot.Series => {
        const style = seriesStyle(i);
        return bars
          ? {
              label: s.label,
              stroke: style.stroke,
              fill: style.stroke,
              width: 0,
              paths: U.paths.bars?.({ size: [0.9, Infinity], align: 1 }),
              points: { show: false },
            }
          : {
              label: s.label,
              stroke: style.stroke,
              dash: style.dash,
              width: 2,
              points: { show: showPoints, size: 5, stroke: style.stroke, fill: "#ffffff" },
            };
      }),
    ],
    hooks: { setCursor: [(u) => onCursor(u.cursor.idx ?? null)] },
  };
}

interface Props {
  /** The chart's name (its caption). */
  title: string;
  /** What the chart shows, in a sentence (read by everyone, the chart's text alternative). */
  summary: string;
  spec: ChartSpec;
  height?: number;
  testId?: string;
}

export function Chart({ title, summary, spec, height = 240, testId }: Props) {
  const plot = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const [drawn, setDrawn] = useState(false);
  const [cursor, setCursor] = useState<number | null>(null);
  const drawable = hasValues(spec);

  useEffect(() => {
    const container = plot.current;
    if (container === null || !drawable) return undefined;
    let chart: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    setFailed(false);
    loadLibrary()
      .then((U) => {
        if (cancelled) return;
        const width = Math.max(200, Math.floor(container.getBoundingClientRect().width));
        const data: uPlot.AlignedData = [spec.xs, ...spec.series.map((s) => s.values)];
        chart = new U(buildOptions(U, spec, width, height, setCursor), data, container);
        setDrawn(true);
        if (typeof ResizeObserver !== "undefined") {
          observer = new ResizeObserver((entries) => {
            const next = Math.max(200, Math.floor(entries[0]?.contentRect.width ?? width));
            if (chart !== undefined && next !== chart.width) chart.setSize({ width: next, height });
          });
          observer.observe(container);
        }
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
      setDrawn(false);
      setCursor(null);
    };
  }, [spec, height, drawable]);

  const readout = cursor === null ? undefined : readoutText(spec, cursor);
  return (
    <figure className="chart" data-testid={testId} data-drawn={drawn ? "true" : "false"}>
      <figcaption className="chart__title">{title}</figcaption>
      <p className="chart__summary">{summary}</p>
      {spec.series.length > 1 ? (
        <ul className="chart__legend" aria-label={`Lines of “${title}”`}>
          {spec.series.map((s, i) => (
            <li key={s.label}>
              <svg className="chart__swatch" viewBox="0 0 32 8" width="32" height="8" aria-hidden="true" focusable="false">
                <line x1="0" y1="4" x2="32" y2="4" stroke={seriesStyle(i).stroke} strokeWidth="2.5" strokeDasharray={dashArray(i)} />
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      ) : null}
      {drawable ? (
        <>
          <div ref={plot} className="chart__plot" aria-hidden="true" />
          <p className="chart__readout" aria-hidden="true">
            {readout ?? "\u00a0"}
          </p>
        </>
      ) : (
        <p className="chart__empty">Nothing to chart.</p>
      )}
      {failed ? <p className="muted">The chart could not be drawn here; the table has the same figures.</p> : null}
    </figure>
  );
}

/** What the pointer is over: the x and each series' value there. */
export function readoutText(spec: ChartSpec, index: number): string | undefined {
  const x = spec.xs[index];
  if (x === undefined) return undefined;
  const at =
    spec.kind === "bars" && spec.barSeconds !== undefined
      ? `${formatX(spec.x, x)}–${formatX(spec.x, x + spec.barSeconds)}`
      : formatX(spec.x, x);
  const values = spec.series.map((s) => `${spec.series.length > 1 ? `${s.label} ` : ""}${formatY(spec.y, s.values[index])}`);
  return `${at}: ${values.join(", ")}`;
}
