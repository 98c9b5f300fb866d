// The kiosk page's states: not paired (the code field, a wrong code refused), pairing from a
// link (the code from the fragment, gone from the address), scanning (nothing sent for an
// empty scene, a frame at once when a face appears), each greeting, "not recognised", revoked
// (at load and at a frame's refusal), and the ask mode's In/Out buttons. The camera is a fake
// frame source (jsdom has no camera or canvas); the console's answers come from a fetch stub.

import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DETECTOR_HEIGHT, DETECTOR_WIDTH } from "../kiosk/changeDetector";
import { json, mockFetch, renderApp } from "../test/render";
import type { KioskTiming } from "./KioskPage";

const camera = vi.hoisted(() => ({
  onFrame: null as ((now: number) => void) | null,
  luma: new Uint8Array(0) as Uint8Array,
  closed: 0,
}));

vi.mock("../kiosk/frameSource", () => ({
  openFrameSource: async () => ({
    start(onFrame: (now: number) => void) {
      camera.onFrame = onFrame;
      return () => {
        if (camera.onFrame === onFrame) camera.onFrame = null;
      };
    },
    sample: () => camera.luma,
    encode: async () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: "image/jpeg" }),
    close: () => {
      camera.closed += 1;
    },
  }),
}));

const CELLS = DETECTOR_WIDTH * DETECTOR_HEIGHT;
const EMPTY = new Uint8Array(CELLS).fill(90);
const FACE = Uint8Array.from(EMPTY, (v, i) => (i % DETECTOR_WIDTH > 10 && i % DETECTOR_WIDTH < 22 && i > 150 && i < 600 ? 210 : v));

/** The camera shows `frame` (a few frames of it). */
async function show(frame: Uint8Array, frames = 3) {
  await waitFor(() => expect(camera.onFrame).not.toBeNull());
  camera.luma = frame;
  for (let i = 0; i < frames; i++) {
    act(() => camera.onFrame?.(performance.now()));
  }
}

const DEVICE = { name: "Reception", mode: "entry" };
const ok = (data: unknown) => json(200, { success: true, data });
const refusal = (status: number, code: string, message: string) => json(status, { success: false, error: { code, message } });

function frameAnswer(outcome: string, extra: Record<string, unknown> = {}) {
  return ok({ outcome, capture_id: "0190a000-0000-7000-8000-000000000001", stages_ms: { published: 4, detected: 120, decided: 180 }, ...extra });
}

function device(answer: () => Response, frames: (request: Request) => Response | Promise<Response>) {
  return mockFetch((r) => {
    const path = new URL(r.url).pathname;
    if (path === "/kiosk/api/v1/device" && r.method === "GET") return answer();
    if (path === "/kiosk/api/v1/frames" && r.method === "POST") return frames(r);
    return undefined;
  });
}

beforeEach(() => {
  camera.onFrame = null;
  camera.luma = EMPTY;
  camera.closed = 0;
});
afterEach(() => vi.unstubAllGlobals());

describe("the kiosk page", () => {
  it("asks an unpaired device for a code, refuses a wrong one, and pairs with a good one", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      const path = new URL(r.url).pathname;
      if (path === "/kiosk/api/v1/device") return refusal(401, "kiosk_not_paired", "this device is not paired");
      if (path === "/kiosk/api/v1/pairing" && r.method === "POST") {
        const body = (await r.json()) as { code: string };
        bodies.push(body);
        if (body.code !== "K7QM4XRT") return refusal(401, "pairing_code_invalid", "the pairing code is not valid");
        return ok({ kiosk: DEVICE });
      }
      return undefined;
    });
    renderApp("/kiosk");
    expect(await screen.findByRole("heading", { level: 1, name: "This device is not paired" })).toBeTruthy();
    expect(screen.queryByRole("navigation")).toBeNull();
    const user = userEvent.setup();
    const field = screen.getByLabelText("Pairing code");
    await user.type(field, "abc");
    await user.click(screen.getByRole("button", { name: "Pair this device" }));
    expect(screen.getByRole("alert").textContent).toContain("8 letters and digits");
    expect(bodies).toEqual([]);

    await user.clear(field);
    await user.type(field, "k7qm-4xrz");
    await user.click(screen.getByRole("button", { name: "Pair this device" }));
    expect(await screen.findByText(/That code is not valid/)).toBeTruthy();

    await user.clear(screen.getByLabelText("Pairing code"));
    await user.type(screen.getByLabelText("Pairing code"), "k7qm 4xrt");
    await user.click(screen.getByRole("button", { name: "Pair this device" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Reception" })).toBeTruthy();
    expect(screen.getByText("Face recognition is on")).toBeTruthy();
    expect(bodies).toEqual([{ code: "K7QM4XRZ" }, { code: "K7QM4XRT" }]);
  });

  it("pairs from a link's fragment, removes the code from the address and goes to /kiosk", async () => {
    const { requests } = mockFetch(async (r) => {
      const path = new URL(r.url).pathname;
      if (path === "/kiosk/api/v1/pairing" && r.method === "POST") return ok({ kiosk: DEVICE });
      return undefined;
    });
    renderApp("/kiosk/pair#K7QM4XRT");
    expect(await screen.findByRole("heading", { level: 1, name: "Reception" })).toBeTruthy();
    expect(window.location.pathname).toBe("/kiosk");
    expect(window.location.hash).toBe("");
    const pairing = requests.find((r) => new URL(r.url).pathname === "/kiosk/api/v1/pairing");
    expect(pairing?.headers.get("X-Faceattend-Csrf")).toBe("1");
    expect(pairing?.url).not.toContain("K7QM4XRT");
  });

  it("says pairing while it pairs", async () => {
    let answer: (r: Response) => void = () => undefined;
    mockFetch((r) => (new URL(r.url).pathname === "/kiosk/api/v1/pairing" ? new Promise<Response>((resolve) => (answer = resolve)) : undefined));
    renderApp("/kiosk/pair#K7QM4XRT");
    expect(await screen.findByRole("status")).toHaveProperty("textContent", "Pairing this device…");
    answer(ok({ kiosk: DEVICE }));
    expect(await screen.findByRole("heading", { level: 1, name: "Reception" })).toBeTruthy();
  });

  it("scans: nothing sent for an empty scene, a frame as soon as a face appears, then the greeting", async () => {
    const { requests } = device(
      () => ok(DEVICE),
      () => frameAnswer("checked_in", { greeting_name: "Ada", at: "2026-12-07T08:02:00" }),
    );
    renderApp("/kiosk");
    expect(await screen.findByRole("heading", { level: 1, name: "Reception" })).toBeTruthy();
    expect(await screen.findByText("Look at the camera, with your face inside the oval.")).toBeTruthy();
    await show(EMPTY, 10);
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(0);
    expect(screen.getByRole("main").getAttribute("data-state")).toBe("scanning");

    await show(FACE, 1);
    const greeting = await screen.findByTestId("kiosk-greeting");
    expect(greeting.getAttribute("data-outcome")).toBe("checked_in");
    expect(screen.getByRole("status").textContent).toContain("Good morning, Ada — checked in at 08:02");
    expect(screen.getByRole("main").getAttribute("data-state")).toBe("greeting");
    const frames = requests.filter((r) => new URL(r.url).pathname === "/kiosk/api/v1/frames");
    expect(frames).toHaveLength(1);
    expect(frames[0]?.headers.get("Content-Type")).toBe("image/jpeg");
    expect(new URL(frames[0]?.url ?? "").search).toBe("");
    // Nothing more while the greeting shows, even with the face still there.
    await show(FACE, 10);
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it.each([
    ["checked_out", { greeting_name: "Ada", at: "2026-12-07T17:31:00" }, "Goodbye, Ada — checked out at 17:31"],
    ["already_checked_in", { greeting_name: "Ada", at: "2026-12-07T08:02:00" }, "Welcome back, Ada — already checked in at 08:02"],
    ["not_recognised", {}, "Not recognised — please see reception"],
  ])("greets %s", async (outcome, extra, sentence) => {
    device(
      () => ok(DEVICE),
      () => frameAnswer(outcome, extra),
    );
    renderApp("/kiosk");
    await screen.findByRole("heading", { level: 1, name: "Reception" });
    await show(EMPTY);
    await show(FACE, 1);
    const greeting = await screen.findByTestId("kiosk-greeting");
    expect(greeting.getAttribute("data-outcome")).toBe(outcome);
    expect(screen.getByRole("status").textContent).toContain(sentence);
  });

  it("shows no greeting when the console finds no face, and keeps looking", async () => {
    let answers = 0;
    const { requests } = device(
      () => ok(DEVICE),
      () => {
        answers += 1;
        return frameAnswer("no_face");
      },
    );
    renderApp("/kiosk");
    await screen.findByRole("heading", { level: 1, name: "Reception" });
    await show(EMPTY);
    await show(FACE, 1);
    await waitFor(() => expect(answers).toBe(1));
    expect(screen.queryByTestId("kiosk-greeting")).toBeNull();
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("is disconnected at once when a frame is refused as revoked, and stops the camera", async () => {
    device(
      () => ok(DEVICE),
      () => refusal(401, "kiosk_revoked", "this kiosk was revoked"),
    );
    renderApp("/kiosk");
    await screen.findByRole("heading", { level: 1, name: "Reception" });
    await show(EMPTY);
    await show(FACE, 1);
    expect(await screen.findByRole("heading", { level: 1, name: "This kiosk was disconnected by an administrator" })).toBeTruthy();
    expect(camera.closed).toBeGreaterThan(0);
    expect(screen.queryByText("Face recognition is on")).toBeNull();
  });

  it("says so when it was revoked before the page opened", async () => {
    device(
      () => refusal(401, "kiosk_revoked", "this kiosk was revoked"),
      () => frameAnswer("no_face"),
    );
    renderApp("/kiosk");
    expect(await screen.findByRole("heading", { level: 1, name: "This kiosk was disconnected by an administrator" })).toBeTruthy();
    expect(screen.getByLabelText("Pairing code")).toBeTruthy();
  });

  it("in ask mode sends nothing until In or Out is pressed, then sends that action", async () => {
    const { requests } = device(
      () => ok({ name: "Side door", mode: "ask" }),
      () => frameAnswer("checked_out", { greeting_name: "Ada", at: "2026-12-07T17:31:00" }),
    );
    renderApp("/kiosk");
    await screen.findByRole("heading", { level: 1, name: "Side door" });
    expect(await screen.findByText("Press In or Out, then look at the camera.")).toBeTruthy();
    const inButton = screen.getByRole("button", { name: "In" });
    const outButton = screen.getByRole("button", { name: "Out" });
    expect(inButton.getAttribute("aria-pressed")).toBe("false");
    await show(EMPTY);
    await show(FACE, 5);
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(0);

    const user = userEvent.setup();
    await user.click(outButton);
    expect(outButton.getAttribute("aria-pressed")).toBe("true");
    await show(FACE, 1);
    expect(await screen.findByTestId("kiosk-greeting")).toBeTruthy();
    const frames = requests.filter((r) => new URL(r.url).pathname === "/kiosk/api/v1/frames");
    expect(frames).toHaveLength(1);
    expect(new URL(frames[0]?.url ?? "").searchParams.get("action")).toBe("out");
    // The next person chooses again.
    await waitFor(() => expect(screen.getByRole("button", { name: "Out" }).getAttribute("aria-pressed")).toBe("false"));
  });

  it("records its timings only when asked to", async () => {
    delete window.__kioskTimings;
    device(
      () => ok(DEVICE),
      () => frameAnswer("checked_in", { greeting_name: "Ada", at: "2026-12-07T08:02:00" }),
    );
    renderApp("/kiosk?timings=1");
    await screen.findByRole("heading", { level: 1, name: "Reception" });
    await show(EMPTY);
    await show(FACE, 1);
    await screen.findByTestId("kiosk-greeting");
    const recorded: KioskTiming[] | undefined = Reflect.get(window, "__kioskTimings");
    const timing = recorded?.[0];
    expect(timing?.outcome).toBe("checked_in");
    expect(timing?.trigger).not.toBeNull();
    expect(timing?.rendered).toBeGreaterThanOrEqual(timing?.answered ?? Infinity);
    expect(timing?.stages_ms).toEqual({ published: 4, detected: 120, decided: 180 });
    expect(timing?.frames).toBe(1);
  });

  it("records nothing without the flag", async () => {
    delete window.__kioskTimings;
    device(
      () => ok(DEVICE),
      () => frameAnswer("checked_in", { greeting_name: "Ada", at: "2026-12-07T08:02:00" }),
    );
    renderApp("/kiosk");
    await screen.findByRole("heading", { level: 1, name: "Reception" });
    await show(EMPTY);
    await show(FACE, 1);
    await screen.findByTestId("kiosk-greeting");
    expect(Reflect.get(window, "__kioskTimings")).toBeUndefined();
  });
});
