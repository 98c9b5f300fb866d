import { act, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION } from "../test/session";
import { attendanceEvent, FakeWebSocket, statusUpdate } from "./fakes";
import { LiveFeed } from "./LiveFeed";
import { INITIAL_STATE, toFeedEvent, type FeedEvent, type FeedState } from "./liveFeed";

const ADA = "11111111-1111-4111-8111-111111111111";
const GRACE = "22222222-2222-4222-8222-222222222222";

function event(seq: number, overrides: Record<string, unknown>): FeedEvent {
  const parsed = toFeedEvent(attendanceEvent(seq, overrides));
  if (parsed === undefined) throw new Error("not an event");
  return parsed;
}

function renderFeed(state: Partial<FeedState>) {
  return render(
    <MemoryRouter>
      <LiveFeed state={{ ...INITIAL_STATE, ...state }} onRetry={() => {}} onDismissGap={() => {}} />
    </MemoryRouter>,
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
  vi.stubGlobal("WebSocket", FakeWebSocket);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the live feed", () => {
  it("lists the events newest first, each person linked to their page", () => {
    renderFeed({
      connection: "live",
      everConnected: true,
      lastSeq: 12,
      events: [
        event(12, { person_id: GRACE, person_name: "Grace Hopper", action: "check_out", camera_id: "lobby", confidence: 0.873 }),
        event(11, { person_id: ADA, person_name: "Ada Lovelace", department: null, confidence: null, source: "manual" }),
      ],
    });
    const table = screen.getByRole("table", { name: /check-ins and check-outs since this page opened, newest first/i });
    const rows = within(table).getAllByTestId("live-feed-row");
    expect(rows.map((r) => r.getAttribute("data-seq"))).toEqual(["12", "11"]);

    const grace = within(rows[0] as HTMLElement);
    expect(grace.getByRole("link", { name: "Grace Hopper" }).getAttribute("href")).toBe(`/people/${GRACE}`);
    expect(grace.getByText("Check-out")).toBeTruthy();
    expect(grace.getByText("lobby")).toBeTruthy();
    expect(grace.getByText("87 %")).toBeTruthy();
    expect(grace.getByText("Engineering")).toBeTruthy();
    expect(rows[0]?.querySelector("time")?.getAttribute("datetime")).toBe("2026-01-05T08:30:40.000000Z");

    const ada = within(rows[1] as HTMLElement);
    expect(ada.getByRole("link", { name: "Ada Lovelace" }).getAttribute("href")).toBe(`/people/${ADA}`);
    expect(ada.getByText("Check-in")).toBeTruthy();
    expect(ada.getByText("Manual")).toBeTruthy();

    expect(screen.getByTestId("live-feed-status").textContent).toMatch(/^Live/);
    expect(screen.getByRole("heading", { level: 2, name: "Live feed" })).toBeTruthy();
  });

  it("says when it is reconnecting, in a polite status, and when events may be missing", () => {
    renderFeed({ connection: "reconnecting", everConnected: true, gap: true, retryAt: Date.now() + 4_000 });
    const status = screen.getByTestId("live-feed-status");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.textContent).toBe("Connection lost. Reconnecting…");
    expect(screen.getByRole("button", { name: "Reconnect now" })).toBeTruthy();
    expect(screen.getByTestId("live-feed-gap").textContent).toMatch(/may be missing/);
    expect(screen.getByText("No check-ins or check-outs since this page opened.")).toBeTruthy();
  });
});

describe("Today with the live feed", () => {
  const REPORT = {
    date: "2026-01-05",
    total_persons: 40,
    present: 30,
    absent: 10,
    late: 4,
    presence_percentage: 75,
    by_department: [],
    persons: [],
  };

  function serve(ended: () => boolean) {
    return mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session")
        return ended()
          ? json(401, { success: false, error: { code: "session_expired", message: "the session has ended" } })
          : json(200, { success: true, data: SESSION });
      if (path === "/api/v1/attendance/reports/daily") return json(200, { success: true, data: REPORT });
      return undefined;
    });
  }

  it("shows a new check-in as it happens, refreshes the counts, and says when it reconnects", async () => {
    const { requests } = serve(() => false);
    renderApp("/today");
    await screen.findByText("75 %");
    const socket = FakeWebSocket.last();
    expect(socket.url).toMatch(/^ws:\/\/localhost(:\d+)?\/api\/v1\/attendance\/ws\/console-[0-9a-f]{32}$/);
    expect(screen.getByTestId("live-feed-status").textContent).toBe("Connecting to the live feed…");
    const reports = () => requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance/reports/daily").length;
    const before = reports();

    act(() => socket.establish());
    expect(screen.getByTestId("live-feed-status").getAttribute("data-state")).toBe("live");
    act(() => {
      socket.receive(attendanceEvent(41, { person_id: GRACE, person_name: "Grace Hopper" }));
      socket.receive(statusUpdate(41, { person_id: GRACE, person_name: "Grace Hopper" }));
    });
    const link = await screen.findByRole("link", { name: "Grace Hopper" });
    expect(link.getAttribute("href")).toBe(`/people/${GRACE}`);
    await waitFor(() => expect(reports()).toBe(before + 1));

    act(() => socket.drop(1001, "going away"));
    expect(screen.getByTestId("live-feed-status").textContent).toBe("Connection lost. Reconnecting…");
    // The event stays; the next connection resumes after it.
    expect(screen.getByRole("link", { name: "Grace Hopper" })).toBeTruthy();
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2), { timeout: 3_000 });
    expect(new URL(FakeWebSocket.last().url).searchParams.get("last_seq")).toBe("41");
    expect(FakeWebSocket.last().url.split("?")[0]).toBe(socket.url);
  });

  it("sends the operator to sign in when the console closes with 4401", async () => {
    let ended = false;
    serve(() => ended);
    renderApp("/today");
    await screen.findByText("75 %");
    const socket = FakeWebSocket.last();
    act(() => socket.establish());
    ended = true;
    act(() => socket.drop(4401, "session_expired"));
    await screen.findByText(/your session has ended/i);
    expect(window.location.pathname).toBe("/sign-in");
    expect(new URLSearchParams(window.location.search).get("next")).toBe("/today");
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("sends the operator to sign in when the upgrade is refused and the session has ended", async () => {
    let ended = false;
    serve(() => ended);
    renderApp("/today");
    await screen.findByText("75 %");
    ended = true;
    // The console refused the upgrade with 401: the browser only says the socket closed.
    act(() => FakeWebSocket.last().drop(1006));
    await screen.findByText(/your session has ended/i);
    expect(window.location.pathname).toBe("/sign-in");
  });
});
