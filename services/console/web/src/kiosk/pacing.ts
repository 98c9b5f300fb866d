// When the kiosk sends a frame: a pure state machine over the change detector's verdicts and
// the console's answers. Nothing is sent while the scene is empty; about 3 frames/s while
// something is in front of the camera; 1/s once the console has said there is no face there
// (until a new appearance); never two at once (one request in flight); nothing while a
// greeting is on screen, and after a decision nothing until the scene has emptied (the person
// walked away), unless they stay well past their greeting, so one person gets one greeting.

import type { FrameOutcome } from "./api";

/** While a face is likely in front of the camera: about 3 frames a second. */
export const ACTIVE_INTERVAL_MS = 333;
/** After the console found no face (or did not answer): one a second. */
export const IDLE_INTERVAL_MS = 1_000;
/** How long a greeting stays on screen. */
export const GREETING_MS = 4_000;
/** After a greeting, a person still in front is asked about again only after this long. */
export const REARM_AFTER_MS = 6_000;

export interface PaceState {
  /** A frame's request has not been answered yet. */
  inFlight: boolean;
  lastSentAt: number | null;
  /** The last answer found no face, and nothing has appeared since. */
  noFace: boolean;
  /** A greeting is on screen until then (ms). */
  showingUntil: number;
  /** After a decision: the scene has not emptied since. */
  awaitingClear: boolean;
  /** Someone pressed In or Out: frames go until then even if the scene looks unchanged. */
  forcedUntil: number;
}

export function initialPace(): PaceState {
  return { inFlight: false, lastSentAt: null, noFace: false, showingUntil: 0, awaitingClear: false, forcedUntil: 0 };
}

/** One video frame's verdict at `now`: whether to send this frame, and the next state. */
export function onFrame(
  state: PaceState,
  verdict: { changed: boolean; appeared: boolean },
  now: number,
): { state: PaceState; send: boolean } {
  const next = { ...state };
  if (!verdict.changed) next.awaitingClear = false;
  if (verdict.appeared) next.noFace = false;
  const present = verdict.changed || now < next.forcedUntil;
  if (next.inFlight || now < next.showingUntil || !present) return { state: next, send: false };
  if (next.awaitingClear && now < next.showingUntil + REARM_AFTER_MS) return { state: next, send: false };
  const interval = next.noFace || next.awaitingClear ? IDLE_INTERVAL_MS : ACTIVE_INTERVAL_MS;
  if (next.lastSentAt !== null && now - next.lastSentAt < interval) return { state: next, send: false };
  return { state: { ...next, inFlight: true, lastSentAt: now }, send: true };
}

/** The console answered the frame in flight. */
export function onAnswer(state: PaceState, outcome: FrameOutcome, now: number): PaceState {
  if (outcome === "no_face") return { ...state, inFlight: false, noFace: true };
  return { ...state, inFlight: false, noFace: false, showingUntil: now + GREETING_MS, awaitingClear: true, forcedUntil: 0 };
}

/** The frame in flight failed (the console unreachable, busy or slow): the idle pace until an answer. */
export function onFailure(state: PaceState): PaceState {
  return { ...state, inFlight: false, noFace: true };
}

/** In or Out was pressed: send for `forMs` even if the detector sees nothing new. */
export function onAsked(state: PaceState, now: number, forMs: number): PaceState {
  return { ...state, noFace: false, awaitingClear: false, showingUntil: 0, forcedUntil: now + forMs };
}
