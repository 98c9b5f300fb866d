import { memo } from "react";
import { Link } from "react-router";
import { useCountdown } from "../lib/useCountdown";
import "../styles/today.css";
import { FEED_LIMIT, type Connection, type FeedEvent, type FeedState } from "./liveFeed";

const ACTION_LABELS: Record<FeedEvent["action"], string> = {
  check_in: "Check-in",
  check_out: "Check-out",
};

/** What the status line says; it changes only when the connection does, so it is announced once per change. */
export function statusText(connection: Connection, everConnected: boolean): string {
  switch (connection) {
    case "connecting":
      return "Connecting to the live feed…";
    case "live":
      return "Live: new check-ins and check-outs appear as they happen.";
    case "reconnecting":
      return everConnected
        ? "Connection lost. Reconnecting…"
        : "The live feed cannot be reached. Trying again…";
    case "session_ended":
      return "The live feed has stopped: your session has ended.";
    case "unavailable":
      return "The live feed is not available to your account.";
    case "stopped":
      return "The live feed is off.";
  }
}

export function formatTime(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function formatConfidence(event: Pick<FeedEvent, "confidence" | "source">): string {
  if (event.confidence === null) return event.source === "manual" ? "Manual" : "—";
  return `${(event.confidence * 100).toLocaleString(undefined, { maximumFractionDigits: 0 })} %`;
}

interface Props {
  state: FeedState;
  onRetry: () => void;
  onDismissGap: () => void;
}

/** The Today page's live feed: its connection, a notice when events may be missing, and the latest check-ins and check-outs. */
export function LiveFeed({ state, onRetry, onDismissGap }: Props) {
  const { connection, events, gap } = state;
  return (
    <section className="live-feed" aria-labelledby="live-feed-title">
      <div className="live-feed__header">
        <h2 id="live-feed-title" className="live-feed__title">
          Live feed
        </h2>
        {/* Polite and always present: only a change of connection is announced, never an event. */}
        <p
          className={`live-status live-status--${connection}`}
          role="status"
          aria-live="polite"
          data-testid="live-feed-status"
          data-state={connection}
        >
          {statusText(connection, state.everConnected)}
        </p>
        {connection === "reconnecting" ? <RetryHint retryAt={state.retryAt} onRetry={onRetry} /> : null}
      </div>
      <div className="live-feed__notice" role="status" aria-live="polite" data-testid="live-feed-gap">
        {gap ? (
          <p className="live-feed__gap">
            Some check-ins and check-outs may be missing below: the connection was away too long to catch up
            on all of them. The counts above have been refreshed.
          </p>
        ) : null}
      </div>
      {gap ? (
        <button type="button" className="button live-feed__dismiss" onClick={onDismissGap}>
          Dismiss this notice
        </button>
      ) : null}
      {events.length === 0 ? (
        <p className="live-feed__empty">No check-ins or check-outs since this page opened.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--cards live-feed__table" data-testid="live-feed">
            <caption>
              Check-ins and check-outs since this page opened, newest first
              {events.length >= FEED_LIMIT ? ` (the latest ${FEED_LIMIT})` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Name</th>
                <th scope="col">Department</th>
                <th scope="col">Camera</th>
                <th scope="col">Action</th>
                <th scope="col" className="num">
                  Confidence
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <FeedRow key={event.seq} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const FeedRow = memo(function FeedRow({ event }: { event: FeedEvent }) {
  return (
    <tr
      className="live-feed__row"
      data-testid="live-feed-row"
      data-seq={event.seq}
      data-person-id={event.personId}
      data-action={event.action}
    >
      <td data-label="Time">
        <time dateTime={event.at}>{formatTime(event.at)}</time>
      </td>
      <th scope="row" data-label="Name" className="live-feed__name">
        <Link to={`/people/${encodeURIComponent(event.personId)}`}>{event.personName}</Link>
      </th>
      <td data-label="Department">{event.department ?? "—"}</td>
      <td data-label="Camera">{event.cameraId ?? "—"}</td>
      <td data-label="Action">
        <span className={`badge live-feed__action live-feed__action--${event.action}`}>
          {ACTION_LABELS[event.action]}
        </span>
      </td>
      <td data-label="Confidence" className="num">
        {formatConfidence(event)}
      </td>
    </tr>
  );
});

/** When the next attempt is, and a button not to wait for it (ticks apart from the table). */
function RetryHint({ retryAt, onRetry }: { retryAt: number | undefined; onRetry: () => void }) {
  const seconds = useCountdown(retryAt);
  return (
    <p className="live-feed__retry">
      <span>{seconds > 0 ? `Next attempt in ${seconds} s.` : "Trying now…"}</span>{" "}
      <button type="button" className="button button--quiet" onClick={onRetry} disabled={seconds === 0}>
        Reconnect now
      </button>
    </p>
  );
}
