import { describe, expect, it } from "vitest";
import { dashArray, dateToSeconds, formatDateSeconds, formatSecondsOfDay, formatX, formatY, hasValues, seriesStyle, type ChartSpec } from "./chart";
import { readoutText } from "./Chart";

describe("chart values", () => {
  it("writes times of day, days, counts, percentages and durations", () => {
    expect(formatSecondsOfDay(8 * 3600 + 45 * 60 + 59)).toBe("08:45");
    expect(formatSecondsOfDay(86_400)).toBe("24:00");
    expect(formatDateSeconds(dateToSeconds("2026-12-07"), "en-GB")).toBe("7 Dec");
    expect(formatX("date", dateToSeconds("2026-01-31"), "en-GB")).toBe("31 Jan");
    expect(formatY("count", 1234.4)).toBe((1234).toLocaleString());
    expect(formatY("percent", 87.25)).toBe(`${(87.3).toLocaleString()} %`);
    expect(formatY("time-of-day", 31950)).toBe("08:52");
    expect(formatY("minutes", 455)).toBe("7 h 35");
    expect(formatY("count", null)).toBe("—");
  });

  it("gives each line a colour and a dash pattern of its own", () => {
    expect(dashArray(0)).toBeUndefined();
    expect(dashArray(1)).toBe("8 4");
    expect(seriesStyle(0)).not.toEqual(seriesStyle(1));
    expect(seriesStyle(7)).toEqual(seriesStyle(0));
  });

  it("knows when there is nothing to draw", () => {
    const spec: ChartSpec = { kind: "lines", x: "date", xs: [1, 2], series: [{ label: "a", values: [null, null] }], y: "count", yLabel: "" };
    expect(hasValues(spec)).toBe(false);
    expect(hasValues({ ...spec, series: [{ label: "a", values: [null, 0] }] })).toBe(true);
    expect(hasValues({ ...spec, xs: [], series: [] })).toBe(false);
  });

  it("reads out the point under the pointer", () => {
    const bars: ChartSpec = { kind: "bars", x: "seconds-of-day", xs: [28800, 29700], series: [{ label: "Check-ins", values: [3, 5] }], y: "count", yLabel: "", barSeconds: 900 };
    expect(readoutText(bars, 1)).toBe("08:15–08:30: 5");
    const lines: ChartSpec = {
      kind: "lines",
      x: "date",
      xs: [dateToSeconds("2026-12-07")],
      series: [
        { label: "Everyone", values: [80] },
        { label: "Sales", values: [null] },
      ],
      y: "percent",
      yLabel: "",
    };
    expect(readoutText(lines, 0)).toBe(`${formatX("date", dateToSeconds("2026-12-07"))}: Everyone ${formatY("percent", 80)}, Sales —`);
    expect(readoutText(lines, 3)).toBeUndefined();
  });
});
