// The kiosk's camera as frames: the webcam opened at 640×480 into the preview's <video>, a
// callback on every frame the video presents (requestVideoFrameCallback, so the change
// detector sees a face within a frame of its appearing; animation frames where that is
// missing), the current frame scaled down to the detector's cells, and the current frame as
// the JPEG the console is sent. Everything browser-only lives here, so the rest is testable.

import { CameraUnavailable, stopStream } from "../faces/camera";
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, lumaOf } from "./changeDetector";

/** A front camera at the size the console is sent: enough for a face at arm's length. */
export const KIOSK_CAMERA: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
};
export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
/** JPEG quality of a sent frame: small enough to upload fast, sharp enough for the face models. */
export const JPEG_QUALITY = 0.8;

export interface FrameSource {
  /** Calls `onFrame` with the time (performance.now()) of every frame the camera gives; returns the stop. */
  start(onFrame: (now: number) => void): () => void;
  /** The current frame's brightness, DETECTOR_WIDTH × DETECTOR_HEIGHT cells. */
  sample(): Uint8Array;
  /** The current frame as a JPEG of FRAME_WIDTH × FRAME_HEIGHT. */
  encode(): Promise<Blob>;
  /** Stops the camera (every track: its light goes off). */
  close(): void;
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: (now: number) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

function canvas2d(width: number, height: number, willReadFrequently: boolean): CanvasRenderingContext2D {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently });
  if (context === null) throw new Error("This browser cannot draw the camera's picture.");
  return context;
}

/** Opens the camera into `video` (muted, inline) and waits for its first picture. */
export async function openFrameSource(video: HTMLVideoElement): Promise<FrameSource> {
  const devices = typeof navigator === "undefined" ? undefined : navigator.mediaDevices;
  if (devices === undefined || typeof devices.getUserMedia !== "function") throw new CameraUnavailable();
  const stream = await devices.getUserMedia(KIOSK_CAMERA);
  try {
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stopStream(stream);
    throw error;
  }
  const small = canvas2d(DETECTOR_WIDTH, DETECTOR_HEIGHT, true);
  const full = canvas2d(FRAME_WIDTH, FRAME_HEIGHT, false);
  const target = video as FrameCallbackVideo;
  return {
    start(onFrame) {
      let stopped = false;
      let handle = 0;
      const useVideoFrames = typeof target.requestVideoFrameCallback === "function";
      const tick = (now: number) => {
        if (stopped) return;
        onFrame(now);
        handle = useVideoFrames ? (target.requestVideoFrameCallback?.(tick) ?? 0) : requestAnimationFrame(tick);
      };
      handle = useVideoFrames ? (target.requestVideoFrameCallback?.(tick) ?? 0) : requestAnimationFrame(tick);
      return () => {
        stopped = true;
        if (useVideoFrames) target.cancelVideoFrameCallback?.(handle);
        else cancelAnimationFrame(handle);
      };
    },
    sample() {
      small.drawImage(video, 0, 0, DETECTOR_WIDTH, DETECTOR_HEIGHT);
      return lumaOf(small.getImageData(0, 0, DETECTOR_WIDTH, DETECTOR_HEIGHT).data);
    },
    encode() {
      // The frame as the camera sees it (the preview is mirrored only on screen, by CSS).
      full.drawImage(video, 0, 0, FRAME_WIDTH, FRAME_HEIGHT);
      return new Promise((resolve, reject) => {
        full.canvas.toBlob(
          (blob) => (blob === null ? reject(new Error("The picture could not be taken.")) : resolve(blob)),
          "image/jpeg",
          JPEG_QUALITY,
        );
      });
    },
    close() {
      stopStream(stream);
      video.srcObject = null;
    },
  };
}
