// The Cameras pages: each camera's live state, rates and latest frame; "Test connection" and
// its outcome inline; HR reads only; the edit form keeps the stored source (it sends none when
// none was typed) and shows the console's reasons beside their fields.

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const ADMIN = { ...SESSION, operator: { ...SESSION.operator, role: "admin" as const, display_name: "Ada Admin" } };
const HR = { ...SESSION, operator: { ...SESSION.operator, role: "hr" as const, display_name: "Harriet HR" } };

const DOOR = {
  id: "main-door",
  name: "Main door",
  source: "rtsp://***@10.0.0.5/stream",
  source_has_credentials: true,
  role: "entry",
  sample_fps: 5,
  roi: null,
  enabled: true,
  agent: "default",
  realtime: true,
  repeat: false,
  revision: 3,
  updated_at: "2026-12-07T09:00:00Z",
  updated_by: "admin@example.com",
  live: {
    state: "reconnecting",
    last_error: "connection refused",
    frames_decoded: 10,
    frames_analysed: 2,
    captures_published: 4,
    decoded_fps: 12.34,
    analysed_fps: 5,
    reconnects: 2,
    current: true,
    last_capture_at: "2026-12-07T09:59:00Z",
  },
  thumbnail_at: "2026-12-07T09:59:00Z",
};
const GATE = { ...DOOR, id: "gate", name: "Gate", source: "/videos/gate.mp4", source_has_credentials: false, enabled: false, live: null, thumbnail_at: null };
const LIST = { cameras: [DOOR, GATE], agents: [{ name: "default", camera_ids: ["main-door"], reported_at: "2026-12-07T10:00:00Z", version: "0.1.0" }] };

afterEach(() => vi.unstubAllGlobals());

describe("the Cameras page", () => {
  it("shows each camera's state, rates and frame, and tests a connection for an admin", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: ADMIN });
      if (path === "/console/api/v1/cameras") return json(200, { success: true, data: LIST });
      if (path === "/console/api/v1/cameras/main-door/test" && r.method === "POST")
        return json(200, { success: true, data: { ok: true, error: null, width: 1920, height: 1080, fps: 25, elapsed_ms: 80, agent: "default", agent_answered: true } });
      if (path === "/console/api/v1/cameras/gate/test" && r.method === "POST")
        return json(200, { success: true, data: { ok: false, error: null, elapsed_ms: 2000, agent: "default", agent_answered: false } });
      return undefined;
    });
    renderApp("/cameras");
    const door = await screen.findByRole("listitem", { name: "Main door (main-door)" });
    expect(within(door).getByText("Reconnecting")).toBeTruthy();
    expect(within(door).getByText(/connection refused/)).toBeTruthy();
    expect(door.textContent).toContain("12.3 fps");
    const frame = within(door).getByRole("img", { name: /^Latest capture of Main door/ });
    expect(frame.getAttribute("src")).toBe("/console/api/v1/cameras/main-door/thumbnail?at=2026-12-07T09%3A59%3A00Z");
    const gate = screen.getByRole("listitem", { name: "Gate (gate)" });
    expect(within(gate).getByText("Disabled")).toBeTruthy();
    expect(within(gate).queryByRole("img")).toBeNull();
    expect(within(gate).getByRole("button", { name: "Enable Gate" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Add camera" })).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).toContain("Cameras");

    const user = userEvent.setup();
    await user.click(within(door).getByRole("button", { name: "Test connection of Main door" }));
    expect(await within(door).findByText("Connected: 1920×1080 at 25 fps (default, 80 ms).")).toBeTruthy();
    await user.click(within(gate).getByRole("button", { name: "Test connection of Gate" }));
    expect(await within(gate).findByText(/^No agent answered/)).toBeTruthy();
    expect(requests.some((r) => r.method === "POST" && r.headers.get("X-Faceattend-Csrf") === "1")).toBe(true);
  });

  it("is read-only for HR", async () => {
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (path === "/console/api/v1/cameras") return json(200, { success: true, data: LIST });
      return undefined;
    });
    renderApp("/cameras");
    expect(await screen.findByRole("listitem", { name: "Main door (main-door)" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Add camera" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Disable/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
  });

  it("is not a viewer's: no navigation item, and nothing asked of the API", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: VIEWER });
      return undefined;
    });
    renderApp("/cameras");
    expect(await screen.findByRole("heading", { level: 1, name: "Not allowed" })).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).not.toContain("Cameras");
    expect(requests.some((r) => new URL(r.url).pathname === "/console/api/v1/cameras")).toBe(false);
  });
});

describe("the camera form", () => {
  it("keeps the stored source when none is typed, and shows the console's reasons beside the fields", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: ADMIN });
      if (path === "/console/api/v1/cameras") return json(200, { success: true, data: LIST });
      if (path === "/console/api/v1/cameras/main-door" && r.method === "GET") return json(200, { success: true, data: DOOR });
      if (path === "/console/api/v1/cameras/main-door" && r.method === "PATCH") {
        bodies.push(await r.json());
        return json(422, {
          success: false,
          error: {
            code: "validation_failed",
            message: "invalid fields",
            details: [{ field: "sample_fps", code: "out_of_range", message: "must be more than 0 and at most 60" }],
          },
        });
      }
      return undefined;
    });
    renderApp("/cameras/main-door/edit");
    expect(await screen.findByRole("heading", { level: 1, name: "Change Main door" })).toBeTruthy();
    const source = screen.getByLabelText("Source");
    expect((source as HTMLInputElement).value).toBe("");
    expect(screen.getByText(/Stored: rtsp:\/\/\*\*\*@10\.0\.0\.5\/stream\. Leave empty to keep it and its credentials/)).toBeTruthy();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Save the changes" }));
    expect(await screen.findByText("Must be more than 0 and at most 60.")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("(validation_failed)");
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).not.toHaveProperty("source");
    expect(bodies[0]).toMatchObject({ revision: 3, name: "Main door", role: "entry", agent: "default" });
  });
});
