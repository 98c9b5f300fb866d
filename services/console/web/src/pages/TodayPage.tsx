import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { attendanceApi, call } from "../api/client";
import type { components } from "../api/attendance-api";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../lib/errors";
import { LiveFeed } from "../today/LiveFeed";
import { useLiveFeed } from "../today/useLiveFeed";

type DailyReport = components["schemas"]["DailyReport"];

/** The local calendar date as YYYY-MM-DD. */
export function localDate(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Every day's report: what the live feed invalidates when the counts may have moved. */
const DAILY_REPORTS = ["attendance", "daily"] as const;

function dailyReportQuery(date: string, live: boolean) {
  return {
    queryKey: [...DAILY_REPORTS, date] as const,
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<DailyReport> => {
      const body = await call(
        attendanceApi.GET("/api/v1/attendance/reports/daily", {
          // The counts alone: every person's line is megabytes at 100,000 persons, and the
          // live feed refreshes this often.
          params: { query: { date, format: "json", persons: false } },
          signal,
        }),
      );
      // The route answers CSV too (format=csv); asked for JSON, a string is a broken answer.
      if (typeof body === "string") {
        throw new Error("the daily report came back as text, not JSON");
      }
      return body.data;
    },
    // While the live feed is up, each event refreshes the counts (at most every 5 s); while it
    // is not, they are refreshed every minute.
    refetchInterval: live ? (false as const) : 60_000,
  };
}

export default function TodayPage() {
  const [date] = useState(localDate);
  const queryClient = useQueryClient();
  const canRead = usePermission("attendance:read");
  const refreshCounts = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: DAILY_REPORTS });
  }, [queryClient]);
  const feed = useLiveFeed({ enabled: canRead, onCountsStale: refreshCounts });
  const report = useQuery(dailyReportQuery(date, feed.state.connection === "live"));
  const heading = new Date(`${date}T12:00:00`).toLocaleDateString(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  });
  return (
    <section className="page">
      <PageHeading title="Today" />
      <p className="page__lead">{heading}</p>
      {report.isPending ? (
        <p className="loading" role="status">
          Loading today's counts…
        </p>
      ) : report.isError ? (
        <ErrorMessage onRetry={() => void report.refetch()}>
          Today's counts could not be loaded. {describeError(report.error)}
        </ErrorMessage>
      ) : (
        <Counts report={report.data} />
      )}
      {canRead ? <LiveFeed state={feed.state} onRetry={feed.retryNow} onDismissGap={feed.dismissGap} /> : null}
    </section>
  );
}

function Counts({ report }: { report: DailyReport }) {
  const stats: [string, string][] = [
    ["Expected", report.total_persons.toLocaleString()],
    ["Present", report.present.toLocaleString()],
    ["Late", report.late.toLocaleString()],
    ["Absent", report.absent.toLocaleString()],
    ["Presence", `${report.presence_percentage.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`],
  ];
  return (
    <>
      <h2 className="visually-hidden">Counts</h2>
      <ul className="stats">
        {stats.map(([label, value]) => (
          <li key={label} className="stat">
            <span className="stat__label">{label}</span>
            <span className="stat__value">{value}</span>
          </li>
        ))}
      </ul>
      {report.by_department.length > 0 ? (
        <div className="table-wrap">
          <table className="table table--cards">
            <caption>By department</caption>
            <thead>
              <tr>
                <th scope="col">Department</th>
                <th scope="col" className="num">Expected</th>
                <th scope="col" className="num">Present</th>
                <th scope="col" className="num">Late</th>
                <th scope="col" className="num">Absent</th>
                <th scope="col" className="num">Presence</th>
              </tr>
            </thead>
            <tbody>
              {report.by_department.map((d) => (
                <tr key={d.department ?? ""}>
                  <th scope="row" data-label="Department">
                    {d.department ?? "No department"}
                  </th>
                  <td className="num" data-label="Expected">{d.total_persons.toLocaleString()}</td>
                  <td className="num" data-label="Present">{d.present.toLocaleString()}</td>
                  <td className="num" data-label="Late">{d.late.toLocaleString()}</td>
                  <td className="num" data-label="Absent">{d.absent.toLocaleString()}</td>
                  <td className="num" data-label="Presence">{d.presence_percentage.toLocaleString(undefined, { maximumFractionDigits: 1 })} %</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
