// The Today page's live feed: realtime-gateway's WebSocket protocol (proto/asyncapi.yaml,
// channel attendanceWebSocket) reached through the console, which checks the session cookie
// and Origin and relays to the gateway with a token. Framework-free: the socket and the clock
// are given, so the resume logic is tested with a fake socket and a fake clock.
//
// What the gateway does, and what this relies on:
// - after the upgrade it sends `connection_established`, then (with `?last_seq=N`) the stored
//   events after N in order and once, then live events; every event carries `seq`, the
//   ATTENDANCE stream sequence; `attendance_event` and its `person_status_update` share it;
// - it sends `{"type":"ping"}` every 30 s and closes a client silent for 90 s with 1008, so
//   each ping is answered with a pong;
// - a resume it cannot complete (older than the stream keeps, or beyond its resume limit)
//   gets `{"type":"error","code":"resume_incomplete"}` and the latest events follow; a replay
//   that fails gets `{"type":"error","code":"service_unavailable"}`: either way some events
//   are missing;
// - it closes with 1000 (unsubscribed), 1001 (shutting down: reconnect with last_seq), 1008
//   (slow, idle, token expired), 1009 (message too big); the console adds 4401 when the
//   session has ended and may add 4403 when the operator may not read attendance. A refused
//   upgrade (401, 403, 503…) is hidden by browsers: the socket closes (1006) without opening.

/** The gateway's route, served by the console on its own origin. */
export const WS_PATH = "/api/v1/attendance/ws/";

/** The console's close code for a session that has ended: stop, and sign in again. */
export const CLOSE_SESSION_ENDED = 4401;
/** The console's close code for an operator who may not read attendance: stop. */
export const CLOSE_FORBIDDEN = 4403;

/** How many events the feed keeps (newest first): enough for a shift's door, light for the page. */
export const FEED_LIMIT = 200;

/** What the socket reports to the feed. */
export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  /** The socket closed (or never opened: the browser says 1006 for a refused upgrade). */
  close(code: number, reason: string): void;
}

/** The part of a WebSocket the feed uses. */
export interface SocketLike {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url` that reports to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

/** The browser's WebSocket (looked up at each call, so tests may replace it). */
export const browserSocket: SocketFactory = (url, handlers) => {
  const ws = new globalThis.WebSocket(url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (event: MessageEvent) => handlers.message(event.data);
  ws.onclose = (event: CloseEvent) => handlers.close(event.code, event.reason);
  return {
    send(text) {
      // 1 is OPEN: a message for a socket still connecting or closing is dropped.
      if (ws.readyState === 1) ws.send(text);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
};

/** Time and timers: `Date.now` and the global timers in the browser, a fake in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A check-in or check-out, as the feed shows it. */
export interface FeedEvent {
  seq: number;
  eventId: string;
  personId: string;
  personName: string;
  action: "check_in" | "check_out";
  /** When the person was seen (or the manual entry's time), RFC 3339. */
  at: string;
  confidence: number | null;
  department: string | null;
  cameraId: string | null;
  /** auto, manual, detection or null. */
  source: string | null;
}

/**
 * - `connecting`: the first connection is being opened;
 * - `live`: the gateway said `connection_established`; events arrive as they happen;
 * - `reconnecting`: the connection dropped (or never came up); another attempt is due;
 * - `session_ended`: the console said the session has ended; nothing more is tried;
 * - `unavailable`: the console refused the operator the feed; nothing more is tried;
 * - `stopped`: the page left.
 */
export type Connection = "connecting" | "live" | "reconnecting" | "session_ended" | "unavailable" | "stopped";

export interface FeedState {
  connection: Connection;
  /** Whether a connection has ever been established (so a drop is a "lost" connection). */
  everConnected: boolean;
  /** Newest first, at most `limit`. */
  events: readonly FeedEvent[];
  /** The highest seq received: the next connection resumes after it. */
  lastSeq: number | undefined;
  /** The gateway said it could not replay everything missed: some events may be missing. */
  gap: boolean;
  /** Attempts since the last stable connection. */
  attempt: number;
  /** While reconnecting: when (clock time) the next attempt starts. */
  retryAt: number | undefined;
}

export interface LiveFeedOptions {
  /** The URL of a connection resuming after `lastSeq` (none before the first event). */
  url: (lastSeq: number | undefined) => string;
  socket: SocketFactory;
  clock?: Clock;
  /** In [0, 1): the jitter of the backoff. */
  random?: () => number;
  /**
   * Whether the session is still in force (false: it has ended). Asked when a socket closes
   * without opening: a browser hides the 401 of a refused upgrade.
   */
  checkSession?: () => Promise<boolean>;
  /** The session has ended (code: the console's reason, e.g. `session_expired`). */
  onSessionEnded?: (code: string) => void;
  /** The day's counts may have changed: at most every `countsEveryMs` for events, at once for a gap. */
  onCountsStale?: () => void;
  /** How many events are kept (default 200). */
  limit?: number;
  /** First backoff ceiling (default 1 s), doubling up to `maxBackoffMs` (default 30 s). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A connection up this long resets the backoff (default 10 s). */
  stableMs?: number;
  /** Counts are refreshed at most this often for events (default 5 s). */
  countsEveryMs?: number;
  /** Longest wait for the socket to open and the first message (default 15 s). */
  handshakeTimeoutMs?: number;
  /** Longest silence once connected (default 75 s; the gateway pings every 30 s). */
  silenceTimeoutMs?: number;
  /** The session is asked at most this often (default 60 s). */
  sessionCheckEveryMs?: number;
}

/** The delay before attempt `attempt` (0-based): a ceiling of base·2^attempt, at most max, jittered into its upper half. */
export function backoffDelay(attempt: number, random: number, baseMs = 1_000, maxMs = 30_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (Math.min(Math.max(random, 0), 1) * ceiling) / 2);
}

/** `ws://` or `wss://` (as the page is http or https) on the page's host; `?last_seq=` to resume. */
export function feedUrl(location: { protocol: string; host: string }, clientId: string, lastSeq?: number): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}${WS_PATH}${encodeURIComponent(clientId)}`;
  return lastSeq === undefined ? url : `${url}?last_seq=${lastSeq}`;
}

/**
 * A random client id, `console-` and 32 hex digits (the gateway accepts 1 to 128 letters,
 * digits, `-`, `_`, `.`, `~`). getRandomValues, unlike randomUUID, works on plain http too.
 */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Error codes that mean events were lost on a resume. */
const GAP_CODES = new Set(["resume_incomplete", "service_unavailable"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A check-in or check-out of an `attendance_event`; undefined for a review request or a malformed one. */
export function toFeedEvent(message: Record<string, unknown>): FeedEvent | undefined {
  const { seq, action, person_id, person_name } = message;
  if (!isSeq(seq) || (action !== "check_in" && action !== "check_out")) return undefined;
  if (typeof person_id !== "string" || typeof person_name !== "string") return undefined;
  const at = text(message.timestamp) ?? text(message.event_timestamp);
  if (at === null) return undefined;
  const confidence = message.confidence;
  return {
    seq,
    eventId: text(message.event_id) ?? String(seq),
    personId: person_id,
    personName: person_name,
    action,
    at,
    confidence: typeof confidence === "number" && Number.isFinite(confidence) ? confidence : null,
    department: text(message.department),
    cameraId: text(message.camera_id),
    source: text(message.source),
  };
}

/** A close reason that is a console error code (`session_expired`), or the default. */
function reasonCode(reason: string): string {
  return /^[a-z][a-z_]{0,63}$/.test(reason) ? reason : "session_expired";
}

export const INITIAL_STATE: FeedState = {
  connection: "connecting",
  everConnected: false,
  events: [],
  lastSeq: undefined,
  gap: false,
  attempt: 0,
  retryAt: undefined,
};

type Listener = (state: FeedState) => void;

/**
 * One live feed: connects, reconnects with backoff and jitter, resumes after the last seq it
 * received, drops what it has already seen, and stops for good when the session ends.
 */
export class LiveFeed {
  private state: FeedState = INITIAL_STATE;
  private readonly listeners = new Set<Listener>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly limit: number;
  private socket: SocketLike | undefined;
  /** Bumped for every socket: what an older one reports is ignored. */
  private generation = 0;
  private opened = false;
  private establishedAt: number | undefined;
  private retryTimer: unknown;
  private watchdog: unknown;
  private countsTimer: unknown;
  private lastCountsAt = Number.NEGATIVE_INFINITY;
  private lastSessionCheck = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LiveFeedOptions) {
    this.clock = options.clock ?? browserClock;
    this.random = options.random ?? Math.random;
    this.limit = options.limit ?? FEED_LIMIT;
  }

  getState(): FeedState {
    return this.state;
  }

  /** Calls `listener` with every new state; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  start(): void {
    if (this.socket !== undefined || this.retryTimer !== undefined || this.isOver()) return;
    this.connect();
  }

  /** Leaves: closes the socket, cancels every timer. */
  stop(): void {
    this.generation += 1;
    this.closeSocket(1000, "left the page");
    this.clearTimers();
    if (!this.isOver()) this.update({ connection: "stopped", retryAt: undefined });
  }

  /** While reconnecting, tries at once (the network is back, the tab is visible again). */
  retryNow(): void {
    if (this.state.connection !== "reconnecting" || this.retryTimer === undefined) return;
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  /** The operator has read the gap notice. */
  dismissGap(): void {
    if (this.state.gap) this.update({ gap: false });
  }

  private isOver(): boolean {
    const c = this.state.connection;
    return c === "stopped" || c === "session_ended" || c === "unavailable";
  }

  private update(change: Partial<FeedState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of [...this.listeners]) listener(this.state);
  }

  private connect(): void {
    const generation = ++this.generation;
    this.opened = false;
    this.establishedAt = undefined;
    const current = () => generation === this.generation;
    const url = this.options.url(this.state.lastSeq);
    this.armWatchdog(this.options.handshakeTimeoutMs ?? 15_000);
    try {
      this.socket = this.options.socket(url, {
        open: () => {
          if (current()) this.opened = true;
        },
        message: (data) => {
          if (!current()) return;
          this.armWatchdog(this.options.silenceTimeoutMs ?? 75_000);
          this.receive(data);
        },
        close: (code, reason) => {
          if (current()) this.dropped(code, reason);
        },
      });
    } catch {
      // A URL the browser refuses (or a CSP that forbids it): as if it had not opened.
      this.socket = undefined;
      this.dropped(1006, "");
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(message)) return;
    switch (message.type) {
      case "connection_established":
        this.established();
        break;
      case "ping":
        // The gateway closes a client silent for 90 s: answer each of its pings.
        this.send({ type: "pong", ...(typeof message.timestamp === "string" ? { timestamp: message.timestamp } : {}) });
        break;
      case "attendance_event":
        this.attendanceEvent(message);
        break;
      case "person_status_update":
        // A status change (late, absent…) moves the counts too; it shares its event's seq.
        if (this.advance(message.seq)) this.countsStale(false);
        break;
      case "error":
        if (typeof message.code === "string" && GAP_CODES.has(message.code)) {
          this.update({ gap: true });
          this.countsStale(true);
        }
        break;
      // subscribed, initial_status, pong, and whatever a later gateway adds: nothing to do.
      default:
        break;
    }
  }

  private established(): void {
    this.establishedAt = this.clock.now();
    const reconnected = this.state.everConnected;
    this.update({ connection: "live", everConnected: true, retryAt: undefined });
    // Back without a seq to resume from: what happened meanwhile is only in the counts.
    if (reconnected && this.state.lastSeq === undefined) this.countsStale(true);
  }

  /** Records `seq` as received; false if it was already (a replay overlapping what was seen). */
  private advance(seq: unknown): boolean {
    if (!isSeq(seq)) return false;
    const last = this.state.lastSeq;
    if (last !== undefined && seq <= last) return false;
    this.update({ lastSeq: seq });
    return true;
  }

  private attendanceEvent(message: Record<string, unknown>): void {
    const seq = message.seq;
    if (!this.advance(seq)) return;
    const event = toFeedEvent(message);
    // review_required (a decision for a person to make) is not an arrival or a departure.
    if (event === undefined) return;
    if (this.state.events.some((e) => e.seq === seq)) return;
    this.update({ events: [event, ...this.state.events].slice(0, this.limit) });
    this.countsStale(false);
  }

  private send(message: object): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // A socket closing under us: its close handler follows.
    }
  }

  private dropped(code: number, reason: string): void {
    const opened = this.opened;
    const stable =
      this.establishedAt !== undefined && this.clock.now() - this.establishedAt >= (this.options.stableMs ?? 10_000);
    this.generation += 1;
    this.socket = undefined;
    this.clearWatchdog();
    if (code === CLOSE_SESSION_ENDED) {
      this.endSession(reasonCode(reason));
      return;
    }
    if (code === CLOSE_FORBIDDEN) {
      this.clearTimers();
      this.update({ connection: "unavailable", retryAt: undefined });
      return;
    }
    const attempt = stable ? 0 : this.state.attempt;
    const delay = backoffDelay(attempt, this.random(), this.options.baseBackoffMs, this.options.maxBackoffMs);
    this.update({ connection: "reconnecting", attempt: attempt + 1, retryAt: this.clock.now() + delay });
    this.clearRetry();
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
    if (!opened) this.askSession();
  }

  /** The socket did not open: maybe the console refused the upgrade because the session ended. */
  private askSession(): void {
    const check = this.options.checkSession;
    const now = this.clock.now();
    if (check === undefined || now - this.lastSessionCheck < (this.options.sessionCheckEveryMs ?? 60_000)) return;
    this.lastSessionCheck = now;
    check().then(
      (inForce) => {
        if (!inForce && !this.isOver()) this.endSession("session_expired");
      },
      () => {
        // Unknown (the console unreachable): keep trying.
      },
    );
  }

  private endSession(code: string): void {
    this.generation += 1;
    this.closeSocket(1000, "session ended");
    this.clearTimers();
    this.update({ connection: "session_ended", retryAt: undefined });
    this.options.onSessionEnded?.(code);
  }

  /** At most once per `countsEveryMs` for events (the last one always counted); at once when `now`. */
  private countsStale(now: boolean): void {
    const notify = () => {
      this.lastCountsAt = this.clock.now();
      this.options.onCountsStale?.();
    };
    if (now) {
      if (this.countsTimer !== undefined) this.clock.clearTimeout(this.countsTimer);
      this.countsTimer = undefined;
      notify();
      return;
    }
    if (this.countsTimer !== undefined) return;
    const wait = this.lastCountsAt + (this.options.countsEveryMs ?? 5_000) - this.clock.now();
    if (wait <= 0) {
      notify();
      return;
    }
    this.countsTimer = this.clock.setTimeout(() => {
      this.countsTimer = undefined;
      notify();
    }, wait);
  }

  private armWatchdog(ms: number): void {
    this.clearWatchdog();
    const generation = this.generation;
    this.watchdog = this.clock.setTimeout(() => {
      this.watchdog = undefined;
      if (generation !== this.generation) return;
      // Silent too long (a half-open connection, a proxy that swallowed the close): drop it.
      this.closeSocket(4000, "silent");
      this.dropped(1006, "");
    }, ms);
  }

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    try {
      socket?.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) this.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearTimers(): void {
    this.clearWatchdog();
    this.clearRetry();
    if (this.countsTimer !== undefined) this.clock.clearTimeout(this.countsTimer);
    this.countsTimer = undefined;
  }
}
