import { describe, expect, it } from "vitest";
import { arrivalsChartData, bucketArrivals, bucketLabel, describeArrivals, formatMinuteOfDay, localDayAndMinute } from "./arrivals";

describe("localDayAndMinute", () => {
  it("reads an instant as the local date and minute of a time zone", () => {
    expect(localDayAndMinute("2026-12-07T08:52:10Z", "UTC")).toEqual({ date: "2026-12-07", minute: 8 * 60 + 52 });
    // Kolkata is 5 h 30 ahead: 20:00 UTC is 01:30 the next day there.
    expect(localDayAndMinute("2026-12-07T20:00:00Z", "Asia/Kolkata")).toEqual({ date: "2026-12-08", minute: 90 });
    expect(localDayAndMinute("not a time", "UTC")).toBeUndefined();
  });
});

describe("bucketArrivals", () => {
  it("counts check-ins per quarter of an hour, keeping the empty quarters between the first and last hour", () => {
    const arrivals = bucketArrivals(
      ["2026-12-07T08:01:00Z", "2026-12-07T08:14:59Z", "2026-12-07T08:15:00Z", "2026-12-07T09:50:00Z", null, undefined],
      "2026-12-07",
      "UTC",
    );
    expect(arrivals.total).toBe(4);
    expect(arrivals.outside).toBe(0);
    expect(arrivals.buckets.map((b) => [formatMinuteOfDay(b.start), b.count])).toEqual([
      ["08:00", 2],
      ["08:15", 1],
      ["08:30", 0],
      ["08:45", 0],
      ["09:00", 0],
      ["09:15", 0],
      ["09:30", 0],
      ["09:45", 1],
    ]);
    expect(arrivals.peak).toEqual({ start: 480, count: 2 });
    expect(arrivals.first).toBe(481);
    expect(arrivals.last).toBe(590);
  });

  it("buckets in the given time zone and counts other local dates apart", () => {
    const arrivals = bucketArrivals(["2026-12-07T03:20:00Z", "2026-12-06T20:00:00Z", "2026-12-07T20:00:00Z"], "2026-12-07", "Asia/Kolkata");
    // 03:20 UTC is 08:50 in Kolkata; 2026-12-06T20:00Z is 01:30 on the 7th there; the 7th's 20:00Z is the 8th.
    expect(arrivals.total).toBe(2);
    expect(arrivals.outside).toBe(1);
    expect(arrivals.buckets[0]).toEqual({ start: 60, count: 0 });
    expect(arrivals.buckets.find((b) => b.start === 90)?.count).toBe(1);
    expect(arrivals.buckets.find((b) => b.start === 525)?.count).toBe(1);
    expect(arrivals.buckets.at(-1)?.start).toBe(525);
  });

  it("has no buckets and says so when nobody came", () => {
    const arrivals = bucketArrivals([null, null], "2026-12-07", "UTC");
    expect(arrivals.buckets).toEqual([]);
    expect(arrivals.peak).toBeUndefined();
    expect(describeArrivals(arrivals)).toBe("Nobody checked in on this day.");
  });

  it("stops the last hour at midnight", () => {
    const arrivals = bucketArrivals(["2026-12-07T23:59:00Z"], "2026-12-07", "UTC");
    expect(arrivals.buckets.map((b) => b.start)).toEqual([1380, 1395, 1410, 1425]);
    expect(bucketLabel({ start: 1425, count: 1 })).toBe("23:45–24:00");
  });
});

describe("the chart's data and words", () => {
  it("gives x in seconds after midnight and the counts as y", () => {
    const arrivals = bucketArrivals(["2026-12-07T07:05:00Z", "2026-12-07T07:20:00Z", "2026-12-07T07:25:00Z"], "2026-12-07", "UTC");
    expect(arrivalsChartData(arrivals)).toEqual([
      [25200, 26100, 27000, 27900],
      [1, 2, 0, 0],
    ]);
    expect(describeArrivals(arrivals)).toBe("3 check-ins from 07:05 to 07:25; the busiest quarter of an hour was 07:15–07:30 with 2.");
  });

  it("says when every arrival was in the same minute", () => {
    expect(describeArrivals(bucketArrivals(["2026-12-07T07:15:02Z", "2026-12-07T07:15:40Z"], "2026-12-07", "UTC"))).toBe(
      "2 check-ins all at 07:15; the busiest quarter of an hour was 07:15–07:30 with 2.",
    );
  });

  it("tells a single arrival by its time", () => {
    expect(describeArrivals(bucketArrivals(["2026-12-07T09:00:00Z"], "2026-12-07", "UTC"))).toBe(
      "1 check-in at 09:00; the busiest quarter of an hour was 09:00–09:15 with 1.",
    );
  });
});
