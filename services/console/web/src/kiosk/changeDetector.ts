// The kiosk's cheap "is someone there?" check, run on every video frame: the frame scaled down
// to 32×24, its brightness compared cell by cell with a model of the empty scene. Enough cells
// clearly different means something (most likely a person) is in front of the camera; only
// then are frames sent to the console, so an empty hall costs neither requests nor stored
// evidence. The first changed frame of an appearance is its trigger (what the kiosk bench
// measures from). Pure: the page feeds it pixels, it returns a verdict and its next state.

/** The size the frame is scaled to before comparing: a face at the kiosk covers many cells. */
export const DETECTOR_WIDTH = 32;
export const DETECTOR_HEIGHT = 24;

/** A cell counts as changed when its brightness differs from the empty scene's by this much (0–255). */
export const CELL_DELTA = 24;
/** The share of cells that must change: a face at arm's length covers far more; noise far less. */
export const CHANGED_SHARE = 0.05;
/** How fast the empty scene follows slow changes (light through a day) while nothing is there. */
export const BACKGROUND_RATE = 0.1;
/**
 * A change that has not moved for this long becomes the scene (a bag put down, a chair moved),
 * so it does not keep the kiosk sending. Long enough that a person waiting is answered first.
 */
export const ABSORB_AFTER_MS = 20_000;
/** Between two consecutive frames, at most this share of cells may change for the scene to count as still. */
const STILL_SHARE = 0.01;

export interface DetectorState {
  /** The empty scene's brightness per cell; null until the first frame. */
  background: Float32Array | null;
  /** The previous frame's brightness per cell. */
  previous: Uint8Array | null;
  /** Whether the last frame differed from the empty scene. */
  changed: boolean;
  /** Since when a changed scene has stood still (ms), or null. */
  stillSince: number | null;
}

export interface Verdict {
  /** Something is in front of the camera. */
  changed: boolean;
  /** This frame starts an appearance: the first changed frame after an unchanged one. */
  appeared: boolean;
  /** The share of cells that differ from the empty scene (0–1). */
  share: number;
}

export function initialDetector(): DetectorState {
  return { background: null, previous: null, changed: false, stillSince: null };
}

/** Brightness (BT.601 luma) of each pixel of an RGBA image. */
export function lumaOf(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const pixels = Math.floor(rgba.length / 4);
  const luma = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const r = rgba[i * 4] ?? 0;
    const g = rgba[i * 4 + 1] ?? 0;
    const b = rgba[i * 4 + 2] ?? 0;
    luma[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return luma;
}

/** The share of cells whose brightness differs from `reference` by at least CELL_DELTA. */
export function changedShare(reference: ArrayLike<number>, frame: ArrayLike<number>, delta = CELL_DELTA): number {
  const n = Math.min(reference.length, frame.length);
  if (n === 0) return 0;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs((frame[i] ?? 0) - (reference[i] ?? 0)) >= delta) changed++;
  }
  return changed / n;
}

/**
 * One frame's brightness (DETECTOR_WIDTH × DETECTOR_HEIGHT cells) seen at `now` (ms): the
 * verdict and the detector's next state. The first frame is taken as the empty scene.
 */
export function observe(state: DetectorState, luma: Uint8Array, now: number): { state: DetectorState; verdict: Verdict } {
  if (state.background === null || state.background.length !== luma.length) {
    return {
      state: { background: Float32Array.from(luma), previous: luma, changed: false, stillSince: null },
      verdict: { changed: false, appeared: false, share: 0 },
    };
  }
  const share = changedShare(state.background, luma);
  const changed = share >= CHANGED_SHARE;
  const background = Float32Array.from(state.background);
  let stillSince: number | null = null;
  if (!changed) {
    for (let i = 0; i < luma.length; i++) {
      const b = background[i] ?? 0;
      background[i] = b + ((luma[i] ?? 0) - b) * BACKGROUND_RATE;
    }
  } else {
    const moving = state.previous === null ? 1 : changedShare(state.previous, luma);
    stillSince = moving <= STILL_SHARE ? (state.stillSince ?? now) : null;
    if (stillSince !== null && now - stillSince >= ABSORB_AFTER_MS) {
      // The change has stood still long enough: it is the scene now.
      return {
        state: { background: Float32Array.from(luma), previous: luma, changed: false, stillSince: null },
        verdict: { changed: false, appeared: false, share },
      };
    }
  }
  return {
    state: { background, previous: luma, changed, stillSince },
    verdict: { changed, appeared: changed && !state.changed, share },
  };
}
