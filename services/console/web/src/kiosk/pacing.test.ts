// When the kiosk sends: nothing on an empty scene, about 3/s with someone there, 1/s after
// "no face", one request at a time, nothing during a greeting, then nothing until the person
// has gone (or stayed well past it); In/Out sends even without a new appearance.

import { describe, expect, it } from "vitest";
import {
  ACTIVE_INTERVAL_MS,
  GREETING_MS,
  IDLE_INTERVAL_MS,
  REARM_AFTER_MS,
  initialPace,
  onAnswer,
  onAsked,
  onFailure,
  onFrame,
  type PaceState,
} from "./pacing";

const EMPTY = { changed: false, appeared: false };
const APPEARS = { changed: true, appeared: true };
const THERE = { changed: true, appeared: false };

/** Frames every 33 ms from `from` to `to` with the verdict; the send times and the state. */
function run(state: PaceState, verdict: typeof EMPTY, from: number, to: number, answer?: (s: PaceState, t: number) => PaceState) {
  const sent: number[] = [];
  let current = state;
  for (let t = from; t < to; t += 33) {
    const r = onFrame(current, verdict, t);
    current = r.state;
    if (r.send) {
      sent.push(t);
      if (answer !== undefined) current = answer(current, t);
    }
  }
  return { sent, state: current };
}

describe("the kiosk's pacing", () => {
  it("sends nothing while the scene is empty", () => {
    expect(run(initialPace(), EMPTY, 0, 10_000).sent).toEqual([]);
  });

  it("sends the trigger frame at once, then about 3 a second, one at a time", () => {
    const first = onFrame(initialPace(), APPEARS, 1_000);
    expect(first.send).toBe(true);
    // Not answered yet: nothing more goes.
    expect(run(first.state, THERE, 1_033, 3_000).sent).toEqual([]);
    const answered = onAnswer(first.state, "no_face", 1_100);
    const noFace = run(answered, THERE, 1_133, 5_133, (s) => onAnswer(s, "no_face", 0));
    // After "no face": 1/s.
    expect(noFace.sent.length).toBe(4);
    expect(noFace.sent.every((t, i, all) => i === 0 || t - (all[i - 1] ?? 0) >= IDLE_INTERVAL_MS)).toBe(true);
    // A new appearance goes back to the active pace.
    const again = onFrame(onFrame(noFace.state, EMPTY, 6_000).state, APPEARS, 6_033);
    expect(again.send).toBe(true);
  });

  it("sends about 3 frames a second while someone is there and each is answered in time", () => {
    // Each answered at once without a decision yet (the console still waiting for its face).
    const r = run(initialPace(), THERE, 0, 3_000, (s) => ({ ...s, inFlight: false }));
    expect(r.sent.length).toBeGreaterThanOrEqual(8);
    expect(r.sent.every((t, i, all) => i === 0 || t - (all[i - 1] ?? 0) >= ACTIVE_INTERVAL_MS)).toBe(true);
  });

  it("is silent during a greeting and until the person has gone, or stayed well past it", () => {
    const sent = onFrame(initialPace(), APPEARS, 0).state;
    const decided = onAnswer(sent, "checked_in", 300);
    expect(run(decided, THERE, 300, 300 + GREETING_MS).sent).toEqual([]);
    // Still there after the greeting: nothing for a while, then 1/s.
    const staying = run(decided, THERE, 300 + GREETING_MS, 300 + GREETING_MS + REARM_AFTER_MS + 2_100, (s) => ({ ...s, inFlight: false }));
    expect(staying.sent.length).toBe(3);
    expect(staying.sent[0]).toBeGreaterThanOrEqual(300 + GREETING_MS + REARM_AFTER_MS);
    // Gone and back: a new appearance is sent at once.
    const gone = onFrame(decided, EMPTY, 300 + GREETING_MS + 100).state;
    expect(onFrame(gone, APPEARS, 300 + GREETING_MS + 200).send).toBe(true);
  });

  it("backs off to 1/s after a failure", () => {
    const first = onFrame(initialPace(), APPEARS, 0).state;
    const failed = onFailure(first);
    expect(onFrame(failed, THERE, 500).send).toBe(false);
    expect(onFrame(failed, THERE, 1_000).send).toBe(true);
  });

  it("sends after In or Out even when the scene looks unchanged, for a while", () => {
    const asked = onAsked(initialPace(), 0, 15_000);
    expect(onFrame(asked, EMPTY, 10).send).toBe(true);
    expect(onFrame(asked, EMPTY, 15_010).send).toBe(false);
  });
});
