import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { attendanceEvent, FakeClock, FakeWebSocket, statusUpdate } from "./fakes";
import {
  backoffDelay,
  browserSocket,
  feedUrl,
  LiveFeed,
  newClientId,
  toFeedEvent,
  type LiveFeedOptions,
} from "./liveFeed";

const ORIGIN = { protocol: "https:", host: "console.example.com" };

interface Harness {
  feed: LiveFeed;
  clock: FakeClock;
  countsStale: Mock<() => void>;
  sessionEnded: Mock<(code: string) => void>;
  checkSession: Mock<() => Promise<boolean>>;
}

function makeFeed(options: Partial<LiveFeedOptions> = {}): Harness {
  const clock = new FakeClock();
  const countsStale = vi.fn<() => void>();
  const sessionEnded = vi.fn<(code: string) => void>();
  const checkSession = vi.fn<() => Promise<boolean>>(async () => true);
  const feed = new LiveFeed({
    url: (lastSeq) => feedUrl(ORIGIN, "console-tab", lastSeq),
    socket: browserSocket,
    clock,
    random: () => 1,
    checkSession,
    onSessionEnded: sessionEnded,
    onCountsStale: countsStale,
    ...options,
  });
  feed.start();
  return { feed, clock, countsStale, sessionEnded, checkSession };
}

const lastSeqOf = (url: string) => new URL(url).searchParams.get("last_seq");
const seqs = (feed: LiveFeed) => feed.getState().events.map((e) => e.seq);

beforeEach(() => {
  FakeWebSocket.reset();
  vi.stubGlobal("WebSocket", FakeWebSocket);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the URL", () => {
  it("is the console's own origin, ws for http and wss for https, with last_seq only to resume", () => {
    expect(feedUrl({ protocol: "http:", host: "127.0.0.1:8000" }, "console-1")).toBe(
      "ws://127.0.0.1:8000/api/v1/attendance/ws/console-1",
    );
    expect(feedUrl(ORIGIN, "console-1", 42)).toBe("wss://console.example.com/api/v1/attendance/ws/console-1?last_seq=42");
    expect(feedUrl(ORIGIN, "console-1", 0)).toMatch(/\?last_seq=0$/);
  });

  it("carries a client id the gateway accepts, different in each tab", () => {
    const id = newClientId();
    expect(id).toMatch(/^console-[0-9a-f]{32}$/);
    expect(id.length).toBeLessThanOrEqual(128);
    expect(newClientId()).not.toBe(id);
  });
});

describe("resuming after a drop", () => {
  it("reconnects with last_seq of the last event seen", () => {
    const { feed, clock } = makeFeed();
    const first = FakeWebSocket.last();
    expect(lastSeqOf(first.url)).toBeNull();
    first.establish();
    first.receive(attendanceEvent(41));
    first.receive(statusUpdate(41));
    first.receive(attendanceEvent(42, { action: "check_out" }));
    first.receive(statusUpdate(42));
    // A status change alone (someone marked late) has a seq of its own.
    first.receive(statusUpdate(43, { status: "late" }));
    first.drop(1001, "going away: the gateway is shutting down; reconnect with last_seq");
    expect(feed.getState().connection).toBe("reconnecting");
    expect(FakeWebSocket.instances).toHaveLength(1);
    clock.advance(1_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeWebSocket.last().url).toBe("wss://console.example.com/api/v1/attendance/ws/console-tab?last_seq=43");
  });

  it("does not show twice an event replayed with a seq already seen", () => {
    const { feed, clock, countsStale } = makeFeed();
    const first = FakeWebSocket.last();
    first.establish();
    first.receive(attendanceEvent(7, { person_name: "Ada Lovelace" }));
    first.receive(attendanceEvent(8, { person_name: "Grace Hopper" }));
    first.drop();
    clock.advance(1_000);
    const second = FakeWebSocket.last();
    expect(lastSeqOf(second.url)).toBe("8");
    second.establish();
    // A replay that overlaps what was seen (the gateway dedups too; this holds if it did not).
    second.receive(attendanceEvent(7));
    second.receive(attendanceEvent(8));
    expect(feed.getState().lastSeq).toBe(8);
    second.receive(attendanceEvent(9, { person_name: "Alan Turing", action: "check_out" }));
    second.receive(attendanceEvent(9, { person_name: "Alan Turing", action: "check_out" }));
    expect(seqs(feed)).toEqual([9, 8, 7]);
    expect(feed.getState().events.map((e) => e.personName)).toEqual(["Alan Turing", "Grace Hopper", "Ada Lovelace"]);
    expect(feed.getState().lastSeq).toBe(9);
    // 7 refreshed the counts at once; 8 and 9 within 5 s make one more refresh, not three.
    expect(countsStale).toHaveBeenCalledTimes(1);
    clock.advance(5_000);
    expect(countsStale).toHaveBeenCalledTimes(2);
  });

  it("keeps the newest events first, at most the limit, and never brings back one dropped from it", () => {
    const { feed } = makeFeed({ limit: 3 });
    const socket = FakeWebSocket.last();
    socket.establish();
    for (let seq = 1; seq <= 5; seq += 1) socket.receive(attendanceEvent(seq));
    expect(seqs(feed)).toEqual([5, 4, 3]);
    socket.receive(attendanceEvent(1));
    socket.receive(statusUpdate(2));
    expect(seqs(feed)).toEqual([5, 4, 3]);
    expect(feed.getState().lastSeq).toBe(5);
  });

  it("counts a review request's seq as seen without showing it", () => {
    const { feed, clock } = makeFeed();
    const socket = FakeWebSocket.last();
    socket.establish();
    socket.receive(attendanceEvent(3));
    socket.receive(
      attendanceEvent(4, { action: "review_required", review_item_id: "r-1", reason: "low confidence", source: null }),
    );
    expect(seqs(feed)).toEqual([3]);
    socket.drop();
    clock.advance(1_000);
    expect(lastSeqOf(FakeWebSocket.last().url)).toBe("4");
  });

  it("asks for no last_seq before any event, and refreshes the counts once back", () => {
    const { clock, countsStale } = makeFeed();
    FakeWebSocket.last().establish();
    FakeWebSocket.last().drop();
    clock.advance(1_000);
    expect(lastSeqOf(FakeWebSocket.last().url)).toBeNull();
    expect(countsStale).not.toHaveBeenCalled();
    FakeWebSocket.last().establish();
    expect(countsStale).toHaveBeenCalledTimes(1);
  });
});

describe("backoff", () => {
  it("doubles from 1 s to 30 s, with jitter in the upper half", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect([0, 1, 5].map((n) => backoffDelay(n, 0))).toEqual([500, 1_000, 15_000]);
    expect(backoffDelay(3, 0.5)).toBe(6_000);
  });

  it("grows while attempts fail and resets after a stable connection", () => {
    const { feed, clock } = makeFeed();
    const waits: number[] = [];
    const failOnce = () => {
      FakeWebSocket.last().drop();
      const state = feed.getState();
      waits.push((state.retryAt ?? 0) - clock.now());
      clock.advance(waits.at(-1) ?? 0);
    };
    for (let i = 0; i < 7; i += 1) failOnce();
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(FakeWebSocket.instances).toHaveLength(8);

    // Up, but dropped at once: no reset.
    FakeWebSocket.last().establish();
    clock.advance(2_000);
    FakeWebSocket.last().drop(1011, "upstream error");
    expect((feed.getState().retryAt ?? 0) - clock.now()).toBe(30_000);
    clock.advance(30_000);

    // Up long enough: the next drop starts again from 1 s.
    FakeWebSocket.last().establish();
    expect(feed.getState().connection).toBe("live");
    clock.advance(60_000);
    FakeWebSocket.last().receive({ type: "ping", timestamp: "t" });
    FakeWebSocket.last().drop(1008, "slow consumer: more than 256 messages waiting; reconnect with last_seq");
    expect((feed.getState().retryAt ?? 0) - clock.now()).toBe(1_000);
    expect(feed.getState().attempt).toBe(1);
  });

  it("tries at once when asked, without waiting out the backoff", () => {
    const { feed } = makeFeed();
    FakeWebSocket.last().drop();
    expect(FakeWebSocket.instances).toHaveLength(1);
    feed.retryNow();
    expect(FakeWebSocket.instances).toHaveLength(2);
    // Only while reconnecting: a live feed stays as it is.
    FakeWebSocket.last().establish();
    feed.retryNow();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it("drops a connection that falls silent, and one that never answers", () => {
    const { feed, clock } = makeFeed();
    // Opened, but nothing said within 15 s.
    FakeWebSocket.last().open();
    clock.advance(15_000);
    expect(feed.getState().connection).toBe("reconnecting");
    expect(FakeWebSocket.instances[0]?.closedByPage).toBeDefined();
    clock.advance(1_000);
    FakeWebSocket.last().establish();
    // The gateway pings every 30 s: 75 s of silence is a dead connection.
    clock.advance(74_000);
    expect(feed.getState().connection).toBe("live");
    clock.advance(1_000);
    expect(feed.getState().connection).toBe("reconnecting");
  });
});

describe("a gap too large to resume", () => {
  it("shows the warning and refreshes the counts at once", () => {
    const { feed, clock, countsStale } = makeFeed();
    FakeWebSocket.last().establish();
    FakeWebSocket.last().receive(attendanceEvent(10));
    expect(countsStale).toHaveBeenCalledTimes(1);
    FakeWebSocket.last().drop();
    clock.advance(1_000);
    const socket = FakeWebSocket.last();
    expect(lastSeqOf(socket.url)).toBe("10");
    socket.establish();
    socket.receive({
      type: "error",
      code: "resume_incomplete",
      message: "2 events after seq 10 cannot be replayed (older than the stream keeps, or beyond the limit of 1000); the latest follow",
    });
    expect(feed.getState().gap).toBe(true);
    // Not held back by the 5 s throttle: the counts are what is left to trust.
    expect(countsStale).toHaveBeenCalledTimes(2);
    socket.receive(attendanceEvent(13));
    expect(seqs(feed)).toEqual([13, 10]);
    feed.dismissGap();
    expect(feed.getState().gap).toBe(false);
  });

  it("is also what a replay that failed means", () => {
    const { feed } = makeFeed();
    FakeWebSocket.last().establish();
    FakeWebSocket.last().receive({ type: "error", code: "service_unavailable", message: "a dependency is unavailable; retry later" });
    expect(feed.getState().gap).toBe(true);
  });
});

describe("the session ending", () => {
  it("stops reconnecting on the console's 4401 and takes the session-ended path", () => {
    const { feed, clock, sessionEnded } = makeFeed();
    FakeWebSocket.last().establish();
    FakeWebSocket.last().drop(4401, "session_expired");
    expect(feed.getState().connection).toBe("session_ended");
    expect(sessionEnded).toHaveBeenCalledWith("session_expired");
    expect(clock.pending()).toEqual([]);
    clock.advance(120_000);
    feed.retryNow();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("gives a reason that is not a code as session_expired", () => {
    const { sessionEnded } = makeFeed();
    FakeWebSocket.last().drop(4401, "The session has ended.");
    expect(sessionEnded).toHaveBeenCalledWith("session_expired");
  });

  it("asks the session when the socket does not open (a refused upgrade), and stops if it has ended", async () => {
    const { feed, clock, sessionEnded, checkSession } = makeFeed();
    checkSession.mockResolvedValueOnce(false);
    FakeWebSocket.last().drop(1006);
    expect(checkSession).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(sessionEnded).toHaveBeenCalledWith("session_expired"));
    expect(feed.getState().connection).toBe("session_ended");
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("keeps trying while the session is in force, asking at most once a minute", async () => {
    const { feed, clock, sessionEnded, checkSession } = makeFeed();
    for (let i = 0; i < 4; i += 1) {
      FakeWebSocket.last().drop(1006);
      clock.advance((feed.getState().retryAt ?? 0) - clock.now());
    }
    await Promise.resolve();
    expect(checkSession).toHaveBeenCalledTimes(1);
    expect(sessionEnded).not.toHaveBeenCalled();
    expect(FakeWebSocket.instances).toHaveLength(5);
    // A socket that opened and then closed is not a refused upgrade: no question.
    FakeWebSocket.last().establish();
    FakeWebSocket.last().drop(1011);
    expect(checkSession).toHaveBeenCalledTimes(1);
  });

  it("stops on the console's 4403 (not allowed) without ending the session", () => {
    const { feed, clock, sessionEnded } = makeFeed();
    FakeWebSocket.last().drop(4403, "forbidden");
    expect(feed.getState().connection).toBe("unavailable");
    expect(sessionEnded).not.toHaveBeenCalled();
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe("messages that are not events", () => {
  it("goes live on connection_established, answers pings, and ignores the rest", () => {
    const { feed, countsStale } = makeFeed();
    const socket = FakeWebSocket.last();
    socket.open();
    expect(feed.getState().connection).toBe("connecting");
    socket.establish("console-tab");
    expect(feed.getState()).toMatchObject({ connection: "live", everConnected: true, retryAt: undefined });

    socket.receive({ type: "ping", timestamp: "2026-01-05T08:00:30.000000Z" });
    expect(socket.sent).toEqual([{ type: "pong", timestamp: "2026-01-05T08:00:30.000000Z" }]);

    socket.receive({ type: "pong", timestamp: "2026-01-05T08:00:31.000000Z" });
    socket.receive({
      type: "subscribed",
      timestamp: "2026-01-05T08:00:32.000000Z",
      subscribed_to: null,
      min_confidence: null,
      subscription: { kind: "all", value: null },
    });
    socket.receive({
      type: "initial_status",
      person_id: "11111111-1111-4111-8111-111111111111",
      person_name: "Ada Lovelace",
      checked_in: false,
      check_in_time: null,
      current_duration_minutes: null,
      status: null,
    });
    socket.receive({ type: "error", code: "invalid_message", message: "expected a JSON object" });
    socket.receive({ type: "something_new", seq: 99 });
    socket.receive("not json");
    socket.receive("[1, 2]");
    socket.receive({ type: "attendance_event", seq: "nine" });
    socket.onmessage?.({ data: new ArrayBuffer(4) } as MessageEvent);

    expect(feed.getState()).toMatchObject({ connection: "live", events: [], gap: false, lastSeq: undefined });
    expect(countsStale).not.toHaveBeenCalled();
    expect(socket.sent).toHaveLength(1);
  });

  it("reads an attendance_event field for field", () => {
    expect(toFeedEvent(attendanceEvent(5, { confidence: null, source: "manual", camera_id: null, department: null }))).toEqual({
      seq: 5,
      eventId: "00000000-0000-4000-8000-000000000005",
      personId: "11111111-1111-4111-8111-111111111111",
      personName: "Ada Lovelace",
      action: "check_in",
      at: "2026-01-05T08:30:40.000000Z",
      confidence: null,
      department: null,
      cameraId: null,
      source: "manual",
    });
    expect(toFeedEvent(attendanceEvent(6, { action: "review_required" }))).toBeUndefined();
    expect(toFeedEvent(attendanceEvent(6, { person_id: undefined }))).toBeUndefined();
  });
});

describe("leaving the page", () => {
  it("closes the socket and cancels every timer", () => {
    const { feed, clock } = makeFeed();
    const socket = FakeWebSocket.last();
    socket.establish();
    socket.receive(attendanceEvent(1));
    socket.receive(attendanceEvent(2));
    expect(clock.pending().length).toBeGreaterThan(0);
    feed.stop();
    expect(socket.closedByPage).toEqual({ code: 1000, reason: "left the page" });
    expect(feed.getState().connection).toBe("stopped");
    expect(clock.pending()).toEqual([]);
    // What the closed socket says afterwards changes nothing.
    socket.drop(1006);
    socket.receive(attendanceEvent(3));
    expect(seqs(feed)).toEqual([2, 1]);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
