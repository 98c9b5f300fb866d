// The webcam enrolment with a fake camera: start, take a picture, look at it, send it (or
// retake), the API's reasons shown, and the camera's tracks stopped when leaving.

import { QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeQueryClient } from "../queryClient";
import { json, mockFetch } from "../test/render";
import { WebcamCapture } from "./WebcamCapture";

const PERSON_ID = "11111111-1111-4111-8111-111111111111";
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 9, 9]);

function fakeCamera() {
  const track = { stop: vi.fn(), kind: "video" };
  const stream = { getTracks: () => [track] } as unknown as MediaStream;
  const getUserMedia = vi.fn(async () => stream);
  Object.defineProperty(navigator, "mediaDevices", { configurable: true, value: { getUserMedia } });
  return { track, stream, getUserMedia };
}

function renderWebcam() {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <WebcamCapture personId={PERSON_ID} name="Ada Lovelace" />
    </QueryClientProvider>,
  );
}

const enrolled = {
  encoding_id: "00000000-0000-4000-8000-000000000009",
  person_id: PERSON_ID,
  image_id: "00000000-0000-4000-9000-000000000009",
  confidence: 0.98,
  total_encodings: 2,
  is_primary: false,
  quality_score: 0.8,
  quality_issues: ["face_not_frontal"],
  face_location: { x_min: 1, y_min: 1, x_max: 9, y_max: 9 },
  model: "arcface-r100",
  message: "Face enrolled successfully",
};

beforeEach(() => {
  URL.createObjectURL = vi.fn(() => "blob:shot");
  URL.revokeObjectURL = vi.fn();
  // jsdom draws nothing: a canvas that hands back a JPEG, a video that has a picture.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({ drawImage: vi.fn() } as unknown as CanvasRenderingContext2D);
  vi.spyOn(HTMLCanvasElement.prototype, "toBlob").mockImplementation((callback) => callback(new Blob([JPEG], { type: "image/jpeg" })));
  vi.spyOn(HTMLVideoElement.prototype, "videoWidth", "get").mockReturnValue(640);
  vi.spyOn(HTMLVideoElement.prototype, "videoHeight", "get").mockReturnValue(480);
});

afterEach(() => {
  vi.unstubAllGlobals();
  delete (URL as { createObjectURL?: unknown }).createObjectURL;
  delete (URL as { revokeObjectURL?: unknown }).revokeObjectURL;
  delete (navigator as { mediaDevices?: unknown }).mediaDevices;
});

describe("enrolling with the webcam", () => {
  it("shows the live picture, then the picture taken, sends it, and stops the camera when leaving", async () => {
    const camera = fakeCamera();
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      if (new URL(r.url).pathname === `/api/v1/persons/${PERSON_ID}/enroll` && r.method === "POST") {
        bodies.push(await r.clone().json());
        return bodies.length === 1
          ? json(422, { success: false, error: { code: "face_blurred", message: "the face is too blurred; use a sharper photo" } })
          : json(200, { success: true, data: enrolled });
      }
      return undefined;
    });
    const view = renderWebcam();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Start the camera" }));
    const video = await screen.findByLabelText("Camera preview of Ada Lovelace");
    expect(camera.getUserMedia).toHaveBeenCalledWith(expect.objectContaining({ audio: false, video: expect.objectContaining({ facingMode: "user" }) }));
    expect((video as HTMLVideoElement).srcObject).toBe(camera.stream);
    // No picture until the camera shows one.
    const take = screen.getByRole("button", { name: "Take a picture" });
    expect(take.getAttribute("aria-disabled")).toBe("true");
    expect(document.activeElement).toBe(take);
    await user.click(take);
    expect(screen.queryByRole("img", { name: /picture taken/ })).toBeNull();
    fireEvent.loadedMetadata(video);
    expect(take.getAttribute("aria-disabled")).toBe("false");
    await user.click(take);

    const shot = await screen.findByRole("img", { name: "The picture taken of Ada Lovelace, not sent yet" });
    expect(shot.getAttribute("src")).toBe("blob:shot");
    expect((video as HTMLVideoElement).hidden).toBe(true);
    expect(bodies).toHaveLength(0);
    const send = screen.getByRole("button", { name: "Send the picture" });
    expect(document.activeElement).toBe(send);
    await user.click(send);
    await screen.findByText("Refused: The face is too blurred. Use a sharper photo, taken in good light.");
    expect(bodies[0]).toEqual({ frame_data: "data:image/jpeg;base64,/9j/2wkJ" });
    // A blurred picture is not sent again as it is, nor offered for its largest face.
    expect(screen.queryByRole("button", { name: /send/i })).toBeNull();
    expect(screen.queryByRole("button", { name: /largest/i })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Retake" }));
    expect(screen.queryByRole("img", { name: /picture taken/ })).toBeNull();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:shot");
    await user.click(screen.getByRole("button", { name: "Take a picture" }));
    await user.click(await screen.findByRole("button", { name: "Send the picture" }));
    await screen.findByText("Enrolled, quality 80 %; note: the face is turned away.");
    expect(bodies).toHaveLength(2);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Take another" }));
    expect(camera.track.stop).not.toHaveBeenCalled();

    view.unmount();
    expect(camera.track.stop).toHaveBeenCalledTimes(1);
  }, 20_000);

  it("re-sends a picture with several faces for its largest", async () => {
    fakeCamera();
    const bodies: Record<string, unknown>[] = [];
    mockFetch(async (r) => {
      bodies.push((await r.clone().json()) as Record<string, unknown>);
      return bodies.length === 1
        ? json(422, { success: false, error: { code: "multiple_faces", message: "the photo shows 2 faces; send a photo of this person alone, or set use_largest_face" } })
        : json(200, { success: true, data: { ...enrolled, quality_issues: [] } });
    });
    renderWebcam();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Start the camera" }));
    fireEvent.loadedMetadata(await screen.findByLabelText("Camera preview of Ada Lovelace"));
    await user.click(screen.getByRole("button", { name: "Take a picture" }));
    await user.click(await screen.findByRole("button", { name: "Send the picture" }));
    const largest = await screen.findByRole("button", { name: "Use the largest face" });
    expect(screen.getByText(/^Refused: This photo shows 2 faces\./)).toBeTruthy();
    expect(document.activeElement).toBe(largest);
    await user.click(largest);
    await screen.findByText("Enrolled, quality 80 %.");
    expect(bodies[1]).toEqual({ frame_data: bodies[0]?.frame_data, use_largest_face: true });
  });

  it("stops every track with the Stop button", async () => {
    const camera = fakeCamera();
    renderWebcam();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Start the camera" }));
    await user.click(await screen.findByRole("button", { name: "Stop the camera" }));
    expect(camera.track.stop).toHaveBeenCalledTimes(1);
    expect(screen.queryByLabelText("Camera preview of Ada Lovelace")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Start the camera" }));
  });

  it("says why the camera did not start", async () => {
    Object.defineProperty(navigator, "mediaDevices", {
      configurable: true,
      value: { getUserMedia: vi.fn(async () => Promise.reject(new DOMException("denied", "NotAllowedError"))) },
    });
    renderWebcam();
    await userEvent.setup().click(screen.getByRole("button", { name: "Start the camera" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/The camera was not allowed/);
    expect(screen.getByRole("button", { name: "Start the camera" })).toBeTruthy();
  });

  it("stops a camera that opens after the operator has left", async () => {
    let open: (stream: MediaStream) => void = () => undefined;
    const track = { stop: vi.fn() };
    Object.defineProperty(navigator, "mediaDevices", {
      configurable: true,
      value: { getUserMedia: vi.fn(() => new Promise<MediaStream>((resolve) => (open = resolve))) },
    });
    const view = renderWebcam();
    await userEvent.setup().click(screen.getByRole("button", { name: "Start the camera" }));
    view.unmount();
    open({ getTracks: () => [track] } as unknown as MediaStream);
    await waitFor(() => expect(track.stop).toHaveBeenCalledTimes(1));
  });
});
