// The System page: services with their state, version and failing checks; NATS and the
// database; consumers' lag; dead letters with their reasons; "Run now" and what came of it.

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const ADMIN = { ...SESSION, operator: { ...SESSION.operator, role: "admin" as const, display_name: "Ada Admin" } };

const REPORT = {
  checked_at: "2026-12-07T10:00:00Z",
  ready: false,
  not_ready: [{ name: "attendance-worker", reason: "not ready: nats: not connected to NATS" }],
  services: [
    { name: "person-api", url: "http://127.0.0.1:8080", state: "ready", version: "0.1.0", checks: [{ name: "database", ok: true, error: null }], error: null, latency_ms: 4 },
    {
      name: "attendance-worker",
      url: "http://127.0.0.1:8083",
      state: "not_ready",
      version: "0.1.0",
      checks: [
        { name: "database", ok: true, error: null },
        { name: "nats", ok: false, error: "not connected to NATS" },
      ],
      error: null,
      latency_ms: 6,
    },
    { name: "face-embedder", url: "http://127.0.0.1:8081", state: "unreachable", version: null, checks: [], error: "no answer in time", latency_ms: 2000 },
  ],
  console: { version: "0.1.0", database: { name: "database", ok: true, error: null } },
  nats: { connected: true, server_version: "2.15.1", namespace: "" },
  consumers: [
    {
      stream: "DETECTIONS",
      name: "attendance-worker-detections",
      filter_subjects: ["detections.v1.>"],
      num_pending: 1234,
      num_ack_pending: 2,
      num_redelivered: 1,
      num_waiting: 1,
      last_delivered_at: "2026-12-07T09:59:00Z",
      last_acked_at: null,
    },
  ],
  consumers_error: null,
  dead_letters: [
    {
      sequence: 7,
      subject: "deadletter.v1.detections.v1.door-1",
      original_subject: "detections.v1.door-1",
      reason: "undecodable: invalid wire type",
      content_type: null,
      published_at: "2026-12-07T09:00:00Z",
      size_bytes: 321,
    },
  ],
  dead_letters_error: null,
};

const RUN = {
  id: "0190a000-0000-7000-8000-000000000009",
  job: "reconcile",
  parameters: {},
  trigger: "api",
  requested_by: ADMIN.operator.id,
  state: "pending",
  created_at: "2026-12-07T10:00:05Z",
  attempts: 0,
};

afterEach(() => vi.unstubAllGlobals());

describe("the System page", () => {
  it("shows every part of the system, and runs a job now", async () => {
    let runs: unknown[] = [];
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: ADMIN });
      if (path === "/console/api/v1/system") return json(200, { success: true, data: REPORT });
      if (path === "/api/v1/attendance/jobs/runs") return json(200, { success: true, data: runs });
      if (path === "/api/v1/attendance/jobs/reconcile/runs" && r.method === "POST") {
        runs = [{ ...RUN, state: "succeeded", finished_at: "2026-12-07T10:00:07Z", result: { days_recomputed: 2 } }];
        return json(202, { success: true, data: RUN });
      }
      if (path === "/api/v1/attendance/jobs/cleanup/runs" && r.method === "POST")
        return json(403, { success: false, error: { code: "forbidden", message: "the token lacks attendance:write" } });
      return undefined;
    });
    renderApp("/system");
    const services = await screen.findByRole("table", { name: "Every service's readiness and version" });
    const worker = within(services).getByRole("row", { name: /attendance-worker/ });
    expect(worker.textContent).toContain("Not ready");
    expect(worker.textContent).toContain("nats: not connected to NATS");
    expect(within(services).getByRole("row", { name: /face-embedder/ }).textContent).toContain("no answer in time");
    expect(screen.getByRole("alert").textContent).toContain("attendance-worker: not ready: nats: not connected to NATS");
    expect(screen.getByText("Server 2.15.1")).toBeTruthy();
    const consumers = screen.getByRole("table", { name: "Durable consumers and their lag" });
    expect(within(consumers).getByRole("row", { name: /attendance-worker-detections/ }).textContent).toContain("1,234");
    const letters = screen.getByRole("table", { name: "The newest dead letters" });
    expect(letters.textContent).toContain("undecodable: invalid wire type");
    expect(letters.textContent).toContain("detections.v1.door-1");

    const user = userEvent.setup();
    const reconcile = screen.getByRole("listitem", { name: "reconcile" });
    await user.click(within(reconcile).getByRole("button", { name: "Run now" }));
    expect(await within(reconcile).findByText(/Run requested/)).toBeTruthy();
    expect(await within(reconcile).findByText("days recomputed: 2")).toBeTruthy();
    expect(requests.some((r) => r.method === "POST" && r.headers.get("X-Faceattend-Csrf") === "1")).toBe(true);

    const cleanup = screen.getByRole("listitem", { name: "cleanup" });
    await user.click(within(cleanup).getByRole("button", { name: "Run now" }));
    expect((await within(cleanup).findByRole("alert")).textContent).toContain("(forbidden)");
  });

  it("is not a viewer's, and asks nothing of the API for them", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: VIEWER });
      return undefined;
    });
    renderApp("/system");
    expect(await screen.findByRole("heading", { level: 1, name: "Not allowed" })).toBeTruthy();
    expect(requests.some((r) => new URL(r.url).pathname === "/console/api/v1/system")).toBe(false);
  });
});
