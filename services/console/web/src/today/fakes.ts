// Test doubles of the live feed's tests: a WebSocket class to put in place of the browser's
// (vi.stubGlobal("WebSocket", FakeWebSocket)) and a clock whose time only moves when told.

import type { Clock } from "./liveFeed";

/** A browser WebSocket that never touches the network: the test opens, feeds and drops it. */
export class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Every socket made, oldest first. */
  static instances: FakeWebSocket[] = [];

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  /** The newest socket. */
  static last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (socket === undefined) throw new Error("no WebSocket was opened");
    return socket;
  }

  readyState = FakeWebSocket.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  /** What the page sent, parsed. */
  readonly sent: unknown[] = [];
  /** How the page closed it, if it did. */
  closedByPage: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error("InvalidStateError: not open");
    this.sent.push(JSON.parse(data));
  }

  close(code?: number, reason?: string): void {
    this.closedByPage = { code, reason };
    this.readyState = FakeWebSocket.CLOSED;
  }

  // What the server (the console, the gateway) does.

  open(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.({ type: "open" } as Event);
  }

  /** A text message: an object is sent as its JSON. */
  receive(message: unknown): void {
    const data = typeof message === "string" ? message : JSON.stringify(message);
    this.onmessage?.({ type: "message", data } as MessageEvent);
  }

  /** `connection_established` as the gateway sends it for a subscription to everyone. */
  establish(clientId = "console-test"): void {
    if (this.readyState !== FakeWebSocket.OPEN) this.open();
    this.receive({
      type: "connection_established",
      client_id: clientId,
      timestamp: "2026-01-05T08:00:00.000000Z",
      subscribed_to: null,
      min_confidence: null,
      subscription: { kind: "all", value: null },
    });
  }

  /** The connection ends (1006: dropped, or an upgrade refused before it opened). */
  drop(code = 1006, reason = ""): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onerror?.({ type: "error" } as Event);
    this.onclose?.({ type: "close", code, reason, wasClean: code !== 1006 } as CloseEvent);
  }
}

/** A clock for LiveFeed: `advance` runs the timers that fall due, in order. */
export class FakeClock implements Clock {
  time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How long until each pending timer, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
  }
}

/** An `attendance_event` as realtime-gateway renders it (events.rs), with what a test changes. */
export function attendanceEvent(seq: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "attendance_event",
    seq,
    event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
    event_timestamp: "2026-01-05T08:30:45.123456Z",
    person_id: "11111111-1111-4111-8111-111111111111",
    person_name: "Ada Lovelace",
    action: "check_in",
    timestamp: "2026-01-05T08:30:40.000000Z",
    confidence: 0.95,
    attendance_id: `att-${seq}`,
    check_in_time: "2026-01-05T08:30:40.000000Z",
    duration_minutes: null,
    department: "Engineering",
    camera_id: "gate",
    source: "auto",
    status: "present",
    attendance_date: "2026-01-05",
    ...overrides,
  };
}

/** The `person_status_update` that follows an event (same seq). */
export function statusUpdate(seq: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "person_status_update",
    seq,
    event_timestamp: "2026-01-05T08:30:45.123456Z",
    person_id: "11111111-1111-4111-8111-111111111111",
    person_name: "Ada Lovelace",
    checked_in: true,
    check_in_time: "2026-01-05T08:30:40.000000Z",
    current_duration_minutes: 0,
    status: "present",
    ...overrides,
  };
}
