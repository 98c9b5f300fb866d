import { describe, expect, it } from "vitest";
import type { Camera, CameraLive, ProbeResult } from "./api";
import { EMPTY_CAMERA, checkCamera, formatFps, probeSentence, roiOf, stateBadge, toCreateCamera, toUpdateCamera, valuesOf } from "./view";

function live(patch: Partial<CameraLive>): CameraLive {
  return {
    state: "streaming",
    last_error: null,
    frames_decoded: 100,
    frames_analysed: 20,
    captures_published: 3,
    decoded_fps: 25,
    analysed_fps: 5,
    reconnects: 0,
    current: true,
    ...patch,
  };
}

function camera(patch: Partial<Camera>): Camera {
  return {
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
    revision: 7,
    updated_by: "admin@example.com",
    live: live({}),
    ...patch,
  };
}

function probe(patch: Partial<ProbeResult>): ProbeResult {
  return { ok: true, error: null, width: 1280, height: 720, fps: 25, elapsed_ms: 140, agent: "default", agent_answered: true, ...patch };
}

describe("a camera's state badge", () => {
  it("says streaming when its agent streams it", () => {
    expect(stateBadge(camera({}))).toEqual({ kind: "streaming", label: "Streaming" });
  });

  it("gives the last error of a reconnecting camera", () => {
    expect(stateBadge(camera({ live: live({ state: "reconnecting", last_error: "connection refused" }) }))).toEqual({
      kind: "reconnecting",
      label: "Reconnecting",
      detail: "connection refused",
    });
  });

  it("says a file has ended", () => {
    expect(stateBadge(camera({ live: live({ state: "ended" }) })).kind).toBe("ended");
  });

  it("says no agent reports it when nothing is live, and disabled before anything else", () => {
    expect(stateBadge(camera({ live: null }))).toEqual({ kind: "no-agent", label: "No agent reporting" });
    expect(stateBadge(camera({ live: undefined })).kind).toBe("no-agent");
    expect(stateBadge(camera({ enabled: false, live: live({ state: "streaming" }) }))).toEqual({ kind: "disabled", label: "Disabled" });
    expect(stateBadge(camera({ enabled: false, live: null })).kind).toBe("disabled");
  });
});

describe("frame rates", () => {
  it("shows one decimal, none when whole, a dash when unknown", () => {
    expect(formatFps(25)).toBe("25 fps");
    expect(formatFps(4.96)).toBe("5 fps");
    expect(formatFps(12.34)).toBe("12.3 fps");
    expect(formatFps(0)).toBe("0 fps");
    expect(formatFps(undefined)).toBe("—");
    expect(formatFps(null)).toBe("—");
    expect(formatFps(Number.NaN)).toBe("—");
  });
});

describe("a test's outcome", () => {
  it("gives the size and rate when the source opened", () => {
    expect(probeSentence(probe({}))).toBe("Connected: 1280×720 at 25 fps (default, 140 ms).");
  });
  it("gives the agent's reason when it did not", () => {
    expect(probeSentence(probe({ ok: false, error: "404 Not Found", width: null, height: null, fps: null }))).toBe(
      "The source could not be read by default: 404 Not Found.",
    );
  });
  it("says no agent answered", () => {
    expect(probeSentence(probe({ ok: false, agent: "gate-2", agent_answered: false }))).toMatch(/^No agent answered: .*gate-2/);
  });
});

describe("the camera form", () => {
  it("leaves the source out of a change when none was typed, and sends the revision read", () => {
    const values = valuesOf(camera({}));
    expect(values.source).toBe("");
    const body = toUpdateCamera(values, 7);
    expect("source" in body).toBe(false);
    expect(body.revision).toBe(7);
    expect(body).toMatchObject({ name: "Main door", role: "entry", sample_fps: 5, agent: "default", enabled: true, roi: null });
  });

  it("sends a newly typed source", () => {
    const values = { ...valuesOf(camera({})), source: " rtsp://u:p@10.0.0.6/s " };
    expect(toUpdateCamera(values, 7).source).toBe("rtsp://u:p@10.0.0.6/s");
  });

  it("never sends back the redacted source it shows", () => {
    const values = valuesOf(camera({}));
    expect(JSON.stringify(toUpdateCamera(values, 7))).not.toContain("***");
  });

  it("builds a new camera with its region of interest", () => {
    const values = { ...EMPTY_CAMERA, id: "gate", source: "/videos/gate.mp4", roi_x: "0.1", roi_y: "0", roi_width: "0.5", roi_height: "1" };
    expect(toCreateCamera(values)).toEqual({
      id: "gate",
      name: null,
      source: "/videos/gate.mp4",
      role: "both",
      sample_fps: 5,
      agent: "default",
      enabled: true,
      roi: { x: 0.1, y: 0, width: 0.5, height: 1 },
      realtime: true,
      repeat: false,
    });
  });

  it("checks what the browser can before asking", () => {
    expect(checkCamera(EMPTY_CAMERA, true)).toEqual({ id: ["Give the camera an id."], source: ["Give the camera's source."] });
    expect(checkCamera({ ...EMPTY_CAMERA, id: "a b", source: "x", sample_fps: "0" }, true)).toEqual({
      id: ["Letters, digits, - and _ only, at most 64."],
      sample_fps: ["More than 0 and at most 60."],
    });
    // On edit an empty source keeps the stored one.
    expect(checkCamera(valuesOf(camera({})), false)).toEqual({});
  });

  it("takes a region of interest whole, or not at all", () => {
    expect(roiOf(EMPTY_CAMERA)).toEqual({ roi: null });
    expect(roiOf({ ...EMPTY_CAMERA, roi_x: "0.1" })).toHaveProperty("error");
    expect(roiOf({ ...EMPTY_CAMERA, roi_x: "0.6", roi_y: "0", roi_width: "0.5", roi_height: "1" })).toEqual({
      error: "The region must lie inside the frame.",
    });
    expect(roiOf({ ...EMPTY_CAMERA, roi_x: "0", roi_y: "0", roi_width: "0", roi_height: "1" })).toHaveProperty("error");
  });
});
