// The webcam, for enrolling a face from a live picture: opening it (and why it would not
// open, in words), stopping every track (the camera's light goes off), and taking one frame
// as a JPEG. Nothing here touches React.

/** What the camera is asked for: the front camera, a picture large enough for a face. */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
};

/** A browser without a camera API, or one that withholds it (a page not on HTTPS). */
export class CameraUnavailable extends Error {
  constructor() {
    super("no camera API");
    this.name = "CameraUnavailable";
  }
}

export async function openCamera(constraints: MediaStreamConstraints = CAMERA_CONSTRAINTS): Promise<MediaStream> {
  const devices = typeof navigator === "undefined" ? undefined : navigator.mediaDevices;
  if (devices === undefined || typeof devices.getUserMedia !== "function") throw new CameraUnavailable();
  return devices.getUserMedia(constraints);
}

/** Stops every track of the stream: the browser releases the camera and its light goes off. */
export function stopStream(stream: MediaStream | null | undefined): void {
  stream?.getTracks().forEach((track) => track.stop());
}

/** Why the camera did not open, and what the operator can do about it. */
export function cameraErrorMessage(error: unknown): string {
  if (error instanceof CameraUnavailable) {
    return "This browser offers no camera here. The camera works only over HTTPS (or on this computer's own address) in a current browser.";
  }
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
      return "The camera was not allowed. Allow this site to use the camera in the browser's settings (the camera icon in the address bar), then start it again.";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No usable camera was found. Connect a camera, then start it again.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The camera could not be started: another application may be using it. Close it, then start the camera again.";
    case "SecurityError":
      return "The browser does not allow the camera on this page.";
    default:
      return "The camera could not be started.";
  }
}

/** The frame the video shows now, as a JPEG the API accepts. */
export function grabFrame(video: HTMLVideoElement, quality = 0.92): Promise<Blob> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width === 0 || height === 0) return Promise.reject(new Error("The camera has not shown a picture yet."));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (context === null) return Promise.reject(new Error("The picture could not be taken."));
  // The frame as the camera sees it (the preview is only mirrored on screen, by CSS).
  context.drawImage(video, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob === null ? reject(new Error("The picture could not be taken.")) : resolve(blob)),
      "image/jpeg",
      quality,
    );
  });
}
