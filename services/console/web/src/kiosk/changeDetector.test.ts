// The change detector on made-up frames: an empty scene stays quiet (noise and a slow change
// of light too), a face-sized patch is a change whose first frame is the trigger, leaving
// brings the quiet back, and a change that stands still long enough becomes the scene.

import { describe, expect, it } from "vitest";
import {
  ABSORB_AFTER_MS,
  DETECTOR_HEIGHT,
  DETECTOR_WIDTH,
  changedShare,
  initialDetector,
  lumaOf,
  observe,
  type DetectorState,
  type Verdict,
} from "./changeDetector";

const CELLS = DETECTOR_WIDTH * DETECTOR_HEIGHT;

function scene(level: number): Uint8Array {
  return new Uint8Array(CELLS).fill(level);
}

/** The scene with a face-sized (10×12 cells) patch of `level` in its middle. */
function withFace(background: Uint8Array, level = 200): Uint8Array {
  const frame = Uint8Array.from(background);
  for (let y = 6; y < 18; y++) for (let x = 11; x < 21; x++) frame[y * DETECTOR_WIDTH + x] = level;
  return frame;
}

/** Feeds frames 33 ms apart from `start`; the verdicts and the last state. */
function feed(frames: Uint8Array[], state: DetectorState = initialDetector(), start = 0) {
  const verdicts: Verdict[] = [];
  let current = state;
  frames.forEach((frame, i) => {
    const result = observe(current, frame, start + i * 33);
    current = result.state;
    verdicts.push(result.verdict);
  });
  return { verdicts, state: current };
}

describe("the change detector", () => {
  it("reads brightness from RGBA", () => {
    expect(Array.from(lumaOf(new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255])))).toEqual([255, 0, 76]);
  });

  it("counts the share of cells that changed clearly", () => {
    expect(changedShare(scene(100), scene(110))).toBe(0);
    expect(changedShare(scene(100), withFace(scene(100)))).toBeCloseTo(120 / CELLS);
  });

  it("stays quiet on an empty scene with noise and light slowly changing", () => {
    const frames = Array.from({ length: 300 }, (_, i) => {
      const frame = scene(80 + Math.floor(i / 10));
      frame.forEach((v, j) => (frame[j] = v + ((i * 7 + j * 13) % 9) - 4));
      return frame;
    });
    const { verdicts } = feed(frames);
    expect(verdicts.some((v) => v.changed)).toBe(false);
  });

  it("triggers on the first frame of a face, once, and falls quiet when it leaves", () => {
    const empty = scene(90);
    const frames = [empty, empty, empty, withFace(empty), withFace(empty), withFace(empty), empty, empty, withFace(empty)];
    const { verdicts } = feed(frames);
    expect(verdicts.map((v) => v.changed)).toEqual([false, false, false, true, true, true, false, false, true]);
    expect(verdicts.map((v) => v.appeared)).toEqual([false, false, false, true, false, false, false, false, true]);
  });

  it("takes a change that stands still long enough as the scene", () => {
    const empty = scene(90);
    const bag = withFace(empty, 30);
    let state = feed([empty, empty]).state;
    let last: Verdict | undefined;
    const frames = Math.ceil(ABSORB_AFTER_MS / 33) + 2;
    for (let i = 0; i < frames; i++) {
      const result = observe(state, bag, 100 + i * 33);
      state = result.state;
      last = result.verdict;
      if (i === 0) expect(result.verdict.appeared).toBe(true);
      if (i === Math.floor(frames / 2)) expect(result.verdict.changed).toBe(true);
    }
    expect(last?.changed).toBe(false);
    // A person stepping in front of the bag is a new appearance.
    const next = observe(state, withFace(bag, 220), 100 + frames * 33);
    expect(next.verdict.appeared).toBe(true);
  });

  it("does not absorb a person who moves", () => {
    const empty = scene(90);
    let state = feed([empty]).state;
    const frames = Math.ceil(ABSORB_AFTER_MS / 33) + 30;
    let changed = 0;
    for (let i = 0; i < frames; i++) {
      const result = observe(state, withFace(empty, i % 2 === 0 ? 200 : 160), i * 33);
      state = result.state;
      if (result.verdict.changed) changed++;
    }
    expect(changed).toBe(frames);
  });
});
